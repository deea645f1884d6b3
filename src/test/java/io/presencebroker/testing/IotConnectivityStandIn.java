package io.presencebroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for AWS IoT's control plane, for the one operation reconciliation uses, GetThingConnectivityData, with
 * its wire contract from the API reference (REST-JSON): {@code POST /things/{thingName}/connectivity-data} with no
 * body, a signed request (an {@code Authorization: AWS4-HMAC-SHA256} header with the {@code iot} signing name, or 403),
 * the answer {@code {"thingName", "connected", "timestamp" (epoch seconds), "disconnectReason"}}; a thing it does not
 * hold is HTTP 404 {@code ResourceNotFoundException}; a thing name outside {@code [a-zA-Z0-9:_-]{1,128}} HTTP 400
 * {@code InvalidRequestException}; scripted throttling HTTP 400 {@code ThrottlingException} and failures HTTP 500
 * {@code InternalFailureException}; errors carry
 * {@code x-amzn-ErrorType} and {@code {"message"}}. Driven through the real SDK {@code IotClient}.
 * <p>
 * Not reproduced: the signature's verification and IAM (any well-formed signature is taken), the account's request
 * quota (only what a test scripts), fleet indexing's configuration (IndexNotReadyException), the time after which AWS
 * drops a disconnected thing's timestamp and reason (a test sets them absent), the other answer members (source and
 * target address, VPC endpoint, keep-alive), and every other operation (HTTP 404 UnknownOperationException).
 */
public final class IotConnectivityStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/things/([^/]+)/connectivity-data$");
    private static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    /** One thing's connectivity as AWS IoT would report it; timestamp and reason may be absent (null). */
    public record Connectivity(boolean connected, Long timestamp, String disconnectReason) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final Map<String, Connectivity> things = new ConcurrentHashMap<>();
    private final List<Long> requestNanos = new ArrayList<>();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger answerFirst = new AtomicInteger();

    private IotConnectivityStandIn() throws IOException {
        // the JDK server writes an answer's headers and body apart: without TCP_NODELAY each request waits out the
        // client's delayed ACK (40 ms), which a real AWS endpoint does not add; the JDK reads the property once per JVM,
        // so the pom sets it for the test JVM, and this only for a JVM that starts here (bench/run)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    public static IotConnectivityStandIn start() {
        try {
            return new IotConnectivityStandIn();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void put(String thingName, Connectivity connectivity) {
        things.put(thingName, connectivity);
    }

    /** The next {@code n} requests are answered ThrottlingException (the SDK retries them). */
    public void throttleNext(int n) {
        throttleNext.set(n);
    }

    /** The next {@code n} requests are answered HTTP 500 InternalFailureException (the SDK retries them too). */
    public void failNext(int n) {
        failAfter(0, n);
    }

    /** The next {@code ok} requests are answered, the {@code n} after them HTTP 500 InternalFailureException. */
    public void failAfter(int ok, int n) {
        answerFirst.set(ok);
        failNext.set(n);
    }

    /** When each GetThingConnectivityData request arrived (System.nanoTime), in order. */
    public synchronized List<Long> requestNanos() {
        return List.copyOf(requestNanos);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            synchronized (this) {
                requestNanos.add(System.nanoTime());
            }
            exchange.getRequestBody().readAllBytes();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
            if (!exchange.getRequestMethod().equals("POST") || !path.matches()) {
                error(exchange, 404, "UnknownOperationException", "not GetThingConnectivityData");
                return;
            }
            if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 ") || !auth.contains("/iot/aws4_request")) {
                error(exchange, 403, "UnauthorizedException", "missing or foreign signature: " + auth);
                return;
            }
            boolean answered = answerFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            if (!answered && failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(exchange, 500, "InternalFailureException", "An unexpected error has occurred.");
                return;
            }
            if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(exchange, 400, "ThrottlingException", "Rate exceeded");
                return;
            }
            String name = URLDecoder.decode(path.group(1), StandardCharsets.UTF_8);
            if (!THING_NAME.matcher(name).matches()) {
                error(exchange, 400, "InvalidRequestException", "thingName does not satisfy its pattern");
                return;
            }
            Connectivity c = things.get(name);
            if (c == null) {
                error(exchange, 404, "ResourceNotFoundException", "Thing " + name + " cannot be found.");
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("thingName", name).put("connected", c.connected());
            if (c.timestamp() != null) {
                answer.put("timestamp", new java.math.BigDecimal(c.timestamp()).movePointLeft(3));
            }
            if (c.disconnectReason() != null) {
                answer.put("disconnectReason", c.disconnectReason());
            }
            send(exchange, 200, answer);
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        send(exchange, status, JSON.createObjectNode().put("message", message));
    }

    private static void send(HttpExchange exchange, int status, ObjectNode answer) throws IOException {
        byte[] body = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
