package io.presencebroker.api;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.metrics.ApiPoolName;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of read API requests while events are applied (real service, ElasticMQ, MariaDB): the events are all
 * committed, the service's own pool never times out, and the queueing happens in the API's one-connection pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiPoolIsolationTest extends ServiceTestSupport {

    static final String EVENTS = "api-flood-events";
    static final String DLQ = "api-flood-events-dlq";
    static final String TOKEN = "flood-test-token-7d3a9c1e55";
    static final int EVENT_COUNT = 600;
    static final int CALLERS = 16;

    int apiPort;
    final TestQueues queues = new TestQueues();

    @Override
    protected Map<String, String> settings() {
        apiPort = freePort();
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        s.put("presence.api.enabled", "true");
        s.put("presence.api.port", String.valueOf(apiPort));
        s.put("presence.api.token", TOKEN);
        s.put("presence.api.rate-limit-per-second", "1000000");
        s.put("presence.api.db.pool-size", "1");
        s.put("presence.api.db.connection-timeout-ms", "250");
        s.put("presence.consumers", "2");
        s.put("presence.db.pool-size", "4");
        return s;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    void closeQueues() {
        queues.close();
    }

    double gauge(MeterRegistry meters, String name, String pool) {
        Gauge g = meters.find(name).tag("pool", pool).gauge();
        return g == null ? 0 : g.value();
    }

    @Test
    void eventsAreAppliedWhileTheApiPoolIsTheSaturatedOne() throws Exception {
        // client ids flood-* are this test's own (no clean-up connection needed)
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        PresenceMetrics metrics = context.getRegistry().lookupByNameAndType("presenceMetrics", PresenceMetrics.class);
        double appliedBefore = metrics.value("connected", "applied");

        LongAccumulator apiPendingMax = new LongAccumulator(Math::max, 0);
        LongAccumulator apiActiveMax = new LongAccumulator(Math::max, 0);
        LongAccumulator mainPendingMax = new LongAccumulator(Math::max, 0);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            apiPendingMax.accumulate((long) gauge(meters, "hikaricp.connections.pending", ApiPoolName.NAME));
            apiActiveMax.accumulate((long) gauge(meters, "hikaricp.connections.active", ApiPoolName.NAME));
            mainPendingMax.accumulate((long) gauge(meters, "hikaricp.connections.pending", "presence-db"));
        }, 0, 2, TimeUnit.MILLISECONDS);

        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            Thread t = new Thread(() -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/presence/flood-" + caller))
                        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).GET().build();
                while (flooding.get()) {
                    try {
                        int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        statuses.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }, "api-flood-" + c);
            t.start();
            callers.add(t);
        }
        long started = System.nanoTime();
        try {
            // the events go in once the flood saturates the API's pool, so that they are applied under it
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> apiPendingMax.get() >= CALLERS / 4);
            List<String> events = new ArrayList<>();
            long t = System.currentTimeMillis() - 60_000;
            for (int i = 0; i < EVENT_COUNT; i++) {
                events.add(EventJson.connected("flood-" + i, t, "s-" + i, 1));
            }
            queues.send(EVENTS, events);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(60));
        } finally {
            flooding.set(false);
            for (Thread t : callers) {
                t.join(15_000);
            }
            sampler.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        DataSource service = context.getRegistry().lookupByNameAndType("presenceDataSource", DataSource.class);
        try (Connection c = service.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM client_presence WHERE connected = TRUE AND client_id LIKE 'flood-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(EVENT_COUNT);
        }
        assertThat(metrics.value("connected", "applied") - appliedBefore).isEqualTo(EVENT_COUNT);
        Counter mainTimeouts = meters.find("hikaricp.connections.timeout").tag("pool", "presence-db").counter();
        assertThat(mainTimeouts == null ? 0 : mainTimeouts.count()).as("service pool timeouts").isZero();
        int answered = statuses.entrySet().stream().filter(e -> e.getKey() > 0).mapToInt(e -> e.getValue().get()).sum();
        System.out.printf("flood: %d events applied in %.1f s under %d API requests (%s); API pool pending max %d,"
                        + " active max %d; service pool pending max %d%n", EVENT_COUNT, seconds, answered, statuses,
                apiPendingMax.get(), apiActiveMax.get(), mainPendingMax.get());
        // the flood was real: callers queued for the API's connection, which never exceeded its size of 1
        assertThat(answered).isGreaterThan(CALLERS * 10);
        assertThat(apiPendingMax.get()).as("API pool pending").isGreaterThanOrEqualTo(CALLERS / 4);
        assertThat(apiActiveMax.get()).isLessThanOrEqualTo(1);
        assertThat(statuses.keySet()).allSatisfy(s -> assertThat(s).isIn(404, 200, 503));
        // the service's pool did not see the callers
        assertThat(mainPendingMax.get()).as("service pool pending").isLessThan(CALLERS / 4);
    }
}
