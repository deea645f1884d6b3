package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * On-demand delivery throughput (not a test; surefire does not run it). Seeds 200 users, half connected and
 * subscribed to chat topics, queues N outbox messages of 4 recipients each (2 over the socket, 2 as push) plus the
 * sender, starts the service and reports how fast they are decided and delivered:
 *
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *     io.presencebroker.delivery.DeliveryBenchmark 2000 4
 * </pre>
 *
 * Arguments: messages (default 2000), delivery consumers (default 4).
 */
public final class DeliveryBenchmark {

    private DeliveryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int consumers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int users = 200;
        Map<String, String> settings = TestServices.settings("bench-events", "bench-dlq");
        TestServices.get().createQueues("bench-outbox", "bench-outbox-dlq");
        TestServices.get().createQueues("bench-push", "bench-push-dlq");
        TestServices.clearDatabase();
        seed(users);
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            queues.purge("bench-outbox");
            queues.purge("bench-push");
            settings.put("presence.delivery.enabled", "true");
            settings.put("presence.outbox-queue", "bench-outbox");
            settings.put("presence.push-queue", "bench-push");
            settings.put("presence.delivery.consumers", String.valueOf(consumers));
            settings.put("presence.sqs.wait-time-seconds", "1");
            settings.put("presence.mqtt.broker-url", mqtt.brokerUrl());
            settings.put("camel.main.shutdown-timeout", "5");

            MqttTestClient listener = new MqttTestClient(mqtt.brokerUrl(), "bench-listener", "app/+/chat/#");

            List<String> outbox = new ArrayList<>(messages);
            for (int i = 0; i < messages; i++) {
                // users 0..99 are connected and subscribed to chat c{u}; 100..199 are disconnected
                int a = i % 100;
                int b = (i + 37) % 100;
                String chat = "c" + a;
                outbox.add(OutboxJson.message("bench-" + i, chat, "u" + (150 + i % 50),
                        List.of("u" + a, "u" + (100 + a), "u" + (100 + b), "u" + (150 + i % 50), "u" + (200 + a)),
                        "message " + i));
            }
            queues.send("bench-outbox", outbox);

            long t0 = System.nanoTime();
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                queues.awaitDrained("bench-outbox", Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - t0) / 1e9;
                DeliveryMessages m = broker.context().getRegistry()
                        .lookupByNameAndType("deliveryMessages", DeliveryMessages.class);
                long pushes = queues.depth("bench-push")[0];
                // publishes are acknowledged by the broker before the subscriber has them: let the last ones arrive
                try {
                    Awaitility.await().atMost(Duration.ofSeconds(10))
                            .until(() -> listener.received().size() >= m.value("socket"));
                } catch (ConditionTimeoutException e) {
                    System.out.println("subscriber received fewer publishes than were acknowledged");
                }
                System.out.printf("DELIVERY messages=%d consumers=%d seconds=%.2f rate=%.0f msg/s decided; "
                                + "socket=%.0f push=%.0f fallback=%.0f; MQTT received=%d; push queue=%d%n",
                        messages, consumers, seconds, messages / seconds, m.value("socket"), m.value("push"),
                        m.value("fallback"), listener.received().size(), pushes);
            }
            listener.close();
        }
        System.exit(0);
    }

    /** u0..u99 connected and subscribed to app/u{n}/chat/c{n}; u100..u199 known but disconnected. */
    static void seed(int users) throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM delivery_log");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO client_presence (client_id, connected,"
                    + " version_number, event_rank, event_ts, session_id) VALUES (?, ?, 1, ?, ?, ?)")) {
                for (int u = 0; u < users; u++) {
                    boolean connected = u < users / 2;
                    p.setString(1, "u" + u);
                    p.setBoolean(2, connected);
                    p.setInt(3, connected ? 0 : 1);
                    p.setLong(4, System.currentTimeMillis());
                    p.setString(5, "s" + u);
                    p.addBatch();
                }
                p.executeBatch();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO client_subscription (client_id, chat_id, topic,"
                    + " subscribed, event_rank, event_ts, session_id) VALUES (?, ?, ?, TRUE, 0, ?, ?)")) {
                for (int u = 0; u < users / 2; u++) {
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
