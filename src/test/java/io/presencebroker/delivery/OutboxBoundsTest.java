package io.presencebroker.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.presencebroker.PresenceBroker;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox payload is bounded by what AWS IoT publishes (128 KB): on the real SQS, MariaDB and MQTT broker, a message
 * whose payload is larger is dead-lettered with its reason, published to nobody and pushed to nobody; one at the limit
 * is delivered.
 */
class OutboxBoundsTest {

    static final String PREFIX = "outbox-bounds";
    static final ObjectMapper JSON = new ObjectMapper();

    static String message(String messageId, int payloadBytes) {
        ObjectNode n = JSON.createObjectNode().put("messageId", messageId).put("chatId", "4").put("senderId", "sam");
        n.putArray("recipients").add("alice");
        ObjectNode payload = n.putObject("payload").put("text", "");
        int envelope = payload.toString().length();
        payload.put("text", "x".repeat(payloadBytes - envelope));
        assertThat(payload.toString().length()).isEqualTo(payloadBytes);
        n.putObject("push").put("title", "New message").put("body", "open the app");
        return n.toString();
    }

    @Test
    void aPayloadOverAwsIotsPublishLimitIsDeadLetteredAndOneAtTheLimitIsDelivered() throws Exception {
        TestServices.clearDatabase();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            Map<String, String> s = DeliveryServices.settings(PREFIX, mqtt, 60);
            List<MqttTestClient> clients = new ArrayList<>();
            try (PresenceBroker broker = new PresenceBroker(s).start()) {
                clients.addAll(DeliveryServices.online(queues, PREFIX, mqtt, "4", "alice"));
                String over = message("big-1", 128 * 1024 + 1);
                queues.send(PREFIX + "-outbox", over, message("fits-1", 128 * 1024));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !clients.get(0).received().isEmpty());
                queues.awaitDrained(PREFIX + "-outbox", Duration.ofSeconds(30));

                assertThat(clients.get(0).payloads()).singleElement().asString().hasSize(128 * 1024);
                List<TestQueues.DeadLetter> dead = queues.drain(PREFIX + "-dlq");
                assertThat(dead).singleElement().satisfies(d -> {
                    assertThat(d.body()).isEqualTo(over);
                    assertThat(d.attributes().get("errorMessage")).isEqualTo("payload is 131073 bytes, over AWS IoT's"
                            + " publish limit of 131072 (128 KB)");
                });
                assertThat(queues.drain(PREFIX + "-push")).isEmpty();
            } finally {
                clients.forEach(MqttTestClient::close);
            }
        }
    }
}
