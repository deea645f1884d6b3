package io.presencebroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP delay line in front of an SQS endpoint (ElasticMQ): every request is forwarded as it came, except the first
 * one that {@code hold} matches, which is held for {@code delay} and then forwarded, whether or not the client is
 * still waiting for it (as a request stuck in a network that delivers it late). Its answer, if the client has gone, is
 * dropped.
 */
public final class SqsDelayLine implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "expect", "upgrade", "keep-alive");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final Predicate<String> hold;
    private final Duration delay;
    private final AtomicBoolean held = new AtomicBoolean();
    private final CountDownLatch forwarded = new CountDownLatch(1);

    /** @param hold matches a request by its X-Amz-Target and body, e.g. {@code "AmazonSQS.SendMessageBatch {...}"} */
    public SqsDelayLine(String targetEndpoint, Predicate<String> hold, Duration delay) {
        this.target = URI.create(targetEndpoint);
        this.hold = hold;
        this.delay = delay;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Whether the held request has been forwarded, waiting up to {@code timeout}. */
    public boolean awaitForwarded(Duration timeout) throws InterruptedException {
        return forwarded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            boolean holdThis = hold.test(target + " " + new String(body, StandardCharsets.UTF_8)) && held.compareAndSet(false, true);
            if (holdThis) {
                // forwarded after the delay, whatever the client does meanwhile
                later.schedule(() -> {
                    try {
                        forward(exchange, body);
                    } catch (Exception e) {
                        // the client has gone: the request still reached SQS
                    } finally {
                        forwarded.countDown();
                    }
                }, delay.toMillis(), TimeUnit.MILLISECONDS);
                // keep the client's connection open until the delayed forward is done or the client gives up
                try {
                    forwarded.await(delay.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            HttpResponse<byte[]> response = forward(exchange, body);
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    values.forEach(v -> exchange.getResponseHeaders().add(name, v));
                }
            });
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
            exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                for (String v : values) {
                    request.header(name, v);
                }
            }
        });
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        later.shutdownNow();
    }

    /** Requests of this operation (AWS JSON protocol, e.g. "SendMessageBatch") whose body contains all of {@code parts}. */
    public static Predicate<String> request(String operation, List<String> parts) {
        return text -> text.startsWith("AmazonSQS." + operation + " ") && parts.stream().allMatch(text::contains);
    }
}
