package io.presencebroker.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.presencebroker.delivery.MqttTestClient;
import io.presencebroker.delivery.OutboxJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;

/**
 * The delivery pass of {@link Benchmark}: 200 users, u0..u99 connected and subscribed to chat c{n}, u100..u199 known
 * but disconnected; N outbox messages of 5 recipients (one deliverable over the socket, disconnected ones, an unknown
 * one, the sender); the service (packaged jar, its own JVM, delivery on, its defaults) decides and delivers them
 * through an MQTT 5 broker (HiveMQ CE, in the benchmark's JVM). Measured from the first receive to the empty outbox
 * queue, after a warm-up of the same size; checked: every (message, recipient) delivered once, MQTT publishes received
 * by a subscriber and push requests on the push queue equal to what the seed makes deliverable.
 */
final class DeliveryPass {

    private static final int USERS = 200;

    private final Benchmark bench;

    DeliveryPass(Benchmark bench) {
        this.bench = bench;
    }

    void run(int messages) throws Exception {
        String events = bench.newQueue("bench-delivery-events");
        String outbox = bench.newQueue("bench-outbox");
        String push = bench.newQueue("bench-push");
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start()) {
            Map<String, String> settings = TestServices.settings(events, events + "-dlq", 60);
            for (String testOnly : List.of("camel.management.enabled", "camel.main.shutdown-timeout", "presence.consumers",
                    "presence.sqs.receivers", "presence.retry.delay-ms", "presence.retry.max-delay-ms", "presence.sqs.wait-time-seconds")) {
                settings.remove(testOnly);
            }
            settings.put("presence.routes-dir", java.nio.file.Path.of("routes").toAbsolutePath().toString());
            settings.put("presence.log-format", "json");
            settings.put("presence.management.port", String.valueOf(Benchmark.freePort()));
            settings.put("presence.delivery.enabled", "true");
            settings.put("presence.outbox-queue", outbox);
            settings.put("presence.push-queue", push);
            settings.put("presence.mqtt.broker-url", mqtt.brokerUrl());
            if (bench.jfrDir != null) {
                settings.put("JAVA_TOOL_OPTIONS", "-XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=settings=" + System.getProperty("bench.jfc", "profile") + ",filename="
                        + java.nio.file.Path.of(bench.jfrDir).toAbsolutePath().resolve("delivery.jfr"));
            }
            ServiceProcess service = ServiceProcess.start(ServiceProcess.entrypointCommand(), settings, "bench-delivery");
            MqttTestClient listener = new MqttTestClient(mqtt.brokerUrl(), "bench-listener", "app/+/chat/#");
            try {
                // warm-up with other message ids, unmeasured
                seed();
                bench.send(outbox, outbox("warm-", messages));
                bench.queues.awaitDrained(outbox, Duration.ofMinutes(10));
                bench.queues.purge(push);
                seed();
                int before = listener.received().size();
                List<String> measured = outbox("bench-", messages);
                bench.send(outbox, measured);
                Benchmark.Result result = bench.measure("delivery: outbox messages decided, warm", outbox, messages,
                        null, List.of(service));
                int[] expected = expected(messages);
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> listener.received().size() - before >= expected[0]);
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> bench.queues.depth(push)[0] >= expected[1]);
                int published = listener.received().size() - before;
                long pushes = bench.queues.depth(push)[0];
                int delivered = delivered();
                String state = published == expected[0] && pushes == expected[1] && delivered == expected[0] + expected[1]
                        ? "exact" : "MISMATCH";
                bench.notes.add(("Delivery (warm): %d outbox messages decided in %.1f s = **%.0f messages/s**, CPU %.3f s per"
                        + " 1,000 messages; %d MQTT publishes received (expected %d), %d push requests (expected %d), %d"
                        + " deliveries logged: %s.").formatted(messages, result.seconds(), result.rate(),
                        result.cpuPer1000(), published, expected[0], pushes, expected[1], delivered, state));
                System.out.println(bench.notes.get(bench.notes.size() - 1));
            } finally {
                listener.close();
                service.terminate(35);
            }
        }
    }

    static List<String> outbox(String prefix, int messages) {
        List<String> outbox = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            outbox.add(OutboxJson.message(prefix + i, "c" + (i % 100), sender(i), recipients(i), "message " + i));
        }
        return outbox;
    }

    static String sender(int i) {
        return "u" + (150 + i % 50);
    }

    static List<String> recipients(int i) {
        int a = i % 100;
        int b = (i + 37) % 100;
        return List.of("u" + a, "u" + (100 + a), "u" + (100 + b), sender(i), "u" + (200 + a));
    }

    /** Socket publishes and push requests the seed makes of the measured messages. */
    static int[] expected(int messages) {
        int socket = 0;
        int push = 0;
        for (int i = 0; i < messages; i++) {
            Set<String> to = new LinkedHashSet<>(recipients(i));
            to.remove(sender(i));
            for (String r : to) {
                if (r.equals("u" + (i % 100))) {
                    socket++;
                } else {
                    push++;
                }
            }
        }
        return new int[] {socket, push};
    }

    static int delivered() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM delivery_log WHERE state = 'delivered'"
                     + " AND message_id LIKE 'bench-%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** u0..u99 connected and subscribed to app/u{n}/chat/c{n}; u100..u199 known but disconnected. */
    static void seed() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM delivery_log");
            st.execute("DELETE FROM client_subscription");
            st.execute("DELETE FROM client_presence");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO client_presence (client_id, user_id, connected,"
                    + " version_number, event_rank, event_ts, session_id) VALUES (?, ?, ?, 1, ?, ?, ?)")) {
                for (int u = 0; u < USERS; u++) {
                    boolean connected = u < USERS / 2;
                    p.setString(1, "u" + u);
                    p.setString(2, "u" + u);
                    p.setBoolean(3, connected);
                    p.setInt(4, connected ? 0 : 1);
                    p.setLong(5, System.currentTimeMillis());
                    p.setString(6, "s" + u);
                    p.addBatch();
                }
                p.executeBatch();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO client_subscription (client_id, chat_id, topic,"
                    + " subscribed, event_rank, event_ts, session_id) VALUES (?, ?, ?, TRUE, 0, ?, ?)")) {
                for (int u = 0; u < USERS / 2; u++) {
                    p.setString(1, "u" + u);
                    p.setString(2, "c" + u);
                    p.setString(3, "app/u" + u + "/chat/c" + u);
                    p.setLong(4, System.currentTimeMillis());
                    p.setString(5, "s" + u);
                    p.addBatch();
                }
                p.executeBatch();
            }
        }
    }
}
