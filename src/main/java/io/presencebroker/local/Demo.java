package io.presencebroker.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * A scripted session through the real pipeline on the embedded services: connect, subscribe to two chats (and one
 * non-chat topic), unsubscribe one, a duplicate, a late stale disconnect, a lost connection and a reconnect. Prints
 * the resulting {@code socket_status}.
 */
public final class Demo {

    private Demo() {
    }

    public static int run(String[] args) throws Exception {
        try (EmbeddedServices services = EmbeddedServices.start(); EmbeddedMqtt mqtt = EmbeddedMqtt.start()) {
            Map<String, String> props = LocalMain.localProperties(services);
            props.putAll(mqtt.localProperties(services));
            props.put("presence.mqtt.lifecycle.enabled", "false");
            props.put("presence.api.enabled", "false");
            props.put("camel.management.enabled", "false");
            props.put("presence.sqs.wait-time-seconds", "1");
            try (PresenceBroker broker = new PresenceBroker(props).start(); SqsClient sqs = services.client()) {
                String queueUrl = sqs.getQueueUrl(b -> b.queueName(props.get("presence.events-queue"))).queueUrl();
                List<String> script = script(System.currentTimeMillis() - Duration.ofMinutes(10).toMillis());
                for (String event : script) {
                    sqs.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody(event).build());
                }
                System.out.printf("%nSent %d lifecycle events to SQS queue %s%n", script.size(), queueUrl);
                awaitDrained(sqs, queueUrl, Duration.ofSeconds(60));
                System.out.println();
                System.out.println("socket_status:");
                printSocketStatus(services);
                deliverOneMessage(mqtt, sqs, props);
                return 0;
            }
        }
    }

    /**
     * Delivery: alice's chat app is a real MQTT 5 client subscribed to its chat topic (her connected and subscribed
     * events are in the script above); bob sends a message in chat 17 to alice and carol (disconnected). Alice gets it
     * over MQTT, carol as a push request on the push queue.
     */
    static void deliverOneMessage(EmbeddedMqtt mqtt, SqsClient sqs, Map<String, String> props) throws Exception {
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        org.eclipse.paho.mqttv5.client.MqttClient alice = new org.eclipse.paho.mqttv5.client.MqttClient(mqtt.brokerUrl(),
                "alice", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            alice.connect();
            alice.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
                new org.eclipse.paho.mqttv5.common.MqttSubscription("app/alice/chat/17", 1)},
                    new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, message) ->
                        received.add(topic + " " + new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8))});
            String outbox = "{\"messageId\":\"demo-1\",\"chatId\":\"17\",\"senderId\":\"bob\","
                    + "\"recipients\":[\"alice\",\"carol\",\"bob\"],\"payload\":{\"text\":\"Lunch at noon?\"},"
                    + "\"push\":{\"title\":\"bob\",\"body\":\"Lunch at noon?\"}}";
            String outboxUrl = sqs.getQueueUrl(b -> b.queueName(props.get("presence.outbox-queue"))).queueUrl();
            sqs.sendMessage(b -> b.queueUrl(outboxUrl).messageBody(outbox));
            System.out.printf("%nSent to outbox queue %s: %s%n", outboxUrl, outbox);
            String got = received.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println(got == null ? "alice (connected, subscribed to app/alice/chat/17) received NOTHING over MQTT"
                    : "alice (connected, subscribed to app/alice/chat/17) received it over MQTT: " + got);
            String pushUrl = sqs.getQueueUrl(b -> b.queueName(props.get("presence.push-queue"))).queueUrl();
            var pushes = sqs.receiveMessage(b -> b.queueUrl(pushUrl).maxNumberOfMessages(10).waitTimeSeconds(20)).messages();
            for (var push : pushes) {
                System.out.println("push request queued on " + pushUrl + ": " + push.body());
            }
            System.out.println("bob, the sender, gets nothing.");
        } finally {
            if (alice.isConnected()) {
                alice.disconnect();
            }
            alice.close();
        }
    }

    static List<String> script(long t0) {
        List<String> events = new ArrayList<>();
        String s0 = "00000000-0000-0000-0000-00000000a1a0";
        String s1 = "00000000-0000-0000-0000-00000000a1a1";
        events.add(EventJson.connected("alice", t0, s1, 7));
        String subscribe = EventJson.subscription("subscribed", "alice", t0 + 1_000, s1,
                List.of("app/alice/chat/17", "app/alice/chat/general", "app/alice/notifications"));
        events.add(subscribe);
        events.add(EventJson.subscription("unsubscribed", "alice", t0 + 30_000, s1, List.of("app/alice/chat/general")));
        events.add(subscribe); // AWS may deliver an event twice
        String b3 = "00000000-0000-0000-0000-00000000b0b3";
        String b4 = "00000000-0000-0000-0000-00000000b0b4";
        events.add(EventJson.connected("bob", t0 + 2_000, b3, 3));
        events.add(EventJson.subscription("subscribed", "bob", t0 + 3_000, b3, List.of("app/bob/chat/17")));
        events.add(EventJson.disconnected("bob", t0 + 60_000, b3, 3, "CONNECTION_LOST"));
        events.add(EventJson.connected("bob", t0 + 65_000, b4, 4));
        events.add(EventJson.subscription("subscribed", "bob", t0 + 66_000, b4, List.of("app/bob/chat/42")));
        events.add(EventJson.connected("carol", t0 + 5_000, "00000000-0000-0000-0000-00000000c0c1", 1));
        events.add(EventJson.disconnected("carol", t0 + 90_000, "00000000-0000-0000-0000-00000000c0c1", 1,
                "CLIENT_INITIATED_DISCONNECT"));
        events.add(EventJson.connectFailed("dave", t0 + 7_000, "00000000-0000-0000-0000-00000000d0d1"));
        // the old connection's disconnect (kicked by the new one) arrives last: stale, must change nothing
        events.add(EventJson.disconnected("alice", t0 + 500, s0, 6, "DUPLICATE_CLIENTID"));
        return events;
    }

    /** Until no message is visible or in flight: the consumer deletes only what it has committed or dead-lettered. */
    static void awaitDrained(SqsClient sqs, String queueUrl, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<QueueAttributeName, String> a = sqs.getQueueAttributes(GetQueueAttributesRequest.builder()
                    .queueUrl(queueUrl).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE).build()).attributes();
            if ("0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    && "0".equals(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("queue not drained within " + timeout);
    }

    static void printSocketStatus(EmbeddedServices services) throws Exception {
        try (Connection c = DriverManager.getConnection(services.jdbcUrl(), services.dbUser(), services.dbPassword());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client_id, is_connected, chat_id, topic FROM socket_status "
                     + "ORDER BY client_id, chat_id")) {
            String format = "| %-9s | %-12s | %-8s | %-20s |%n";
            System.out.printf(format, "client_id", "is_connected", "chat_id", "topic");
            System.out.printf(format, "-".repeat(9), "-".repeat(12), "-".repeat(8), "-".repeat(20));
            while (rs.next()) {
                System.out.printf(format, rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4));
            }
        }
    }
}
