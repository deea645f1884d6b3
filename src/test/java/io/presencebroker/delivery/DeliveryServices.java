package io.presencebroker.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;

/** What the delivery tests that run whole instances share: their queues and settings, and chat apps online. */
final class DeliveryServices {

    private DeliveryServices() {
    }

    /**
     * The settings of an instance with delivery on against {@code mqtt}, on queues named after {@code prefix}
     * ({@code -events}, {@code -dlq}, {@code -outbox} with this visibility timeout, {@code -push}), created here.
     */
    static Map<String, String> settings(String prefix, EmbeddedMqtt mqtt, int outboxVisibilitySeconds) {
        Map<String, String> s = TestServices.settings(prefix + "-events", prefix + "-dlq");
        TestServices.get().createQueues(prefix + "-outbox", prefix + "-outbox-dlq", outboxVisibilitySeconds);
        TestServices.get().createQueues(prefix + "-push", prefix + "-push-dlq");
        s.put("presence.delivery.enabled", "true");
        s.put("presence.outbox-queue", prefix + "-outbox");
        s.put("presence.push-queue", prefix + "-push");
        s.put("presence.mqtt.broker-url", mqtt.brokerUrl());
        return s;
    }

    /**
     * Chat apps online: each user connected and subscribed to {@code app/{user}/chat/{chatId}} (lifecycle events
     * through the events queue, applied), with a real MQTT client on that topic.
     */
    static List<MqttTestClient> online(TestQueues queues, String prefix, EmbeddedMqtt mqtt, String chatId,
                                       String... users) throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        List<MqttTestClient> clients = new ArrayList<>();
        for (String user : users) {
            String topic = "app/" + user + "/chat/" + chatId;
            queues.send(prefix + "-events", EventJson.connected(user, t, "s-" + user, 1),
                    EventJson.subscription("subscribed", user, t + 1, "s-" + user, List.of(topic)));
            clients.add(new MqttTestClient(mqtt.brokerUrl(), user, topic));
        }
        queues.awaitDrained(prefix + "-events", Duration.ofSeconds(30));
        return clients;
    }
}
