package io.presencebroker.delivery;

import io.presencebroker.mqtt.MqttPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.PresenceBroker;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TcpProxy;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slow broker (every PUBACK to the service's delivery clients 4 s late: a delay line of 2 s each way between them and
 * the broker, each packet delayed on its own) and two instances on one outbox queue whose claims expire after 2 s and
 * whose messages would be visible again after 2 s: a poll's publishes take at least 4 s. The claims and the outbox visibility are kept alive while the work goes on, so no other consumer
 * takes a message over: each recipient gets each message once (issue 25, target 3).
 */
class SlowBrokerTest {

    static final String PREFIX = "slow-broker";
    static final String OUTBOX = PREFIX + "-outbox";
    static final String PUSH = PREFIX + "-push";
    static final String DLQ = PREFIX + "-dlq";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoInstancesAndLatePubacksDeliverEachMessageToEachRecipientOnce() throws Exception {
        TestServices.clearDatabase();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues();
             TcpProxy slow = new TcpProxy(mqtt.port(), Duration.ofSeconds(2))) {
            Map<String, String> s = DeliveryServices.settings(PREFIX, mqtt, 2);
            s.put("presence.mqtt.broker-url", "tcp://127.0.0.1:" + slow.port());
            s.put("presence.delivery.consumers", "2");
            s.put("presence.delivery.claim-timeout-seconds", "2");
            s.put("presence.delivery.mqtt.publish-timeout-ms", "10000");

            List<MqttTestClient> clients = new ArrayList<>();
            try (PresenceBroker first = new PresenceBroker(s).start(); PresenceBroker second = new PresenceBroker(s).start()) {
                clients.addAll(DeliveryServices.online(queues, PREFIX, mqtt, "5", "alice", "bob", "carol"));
                for (PresenceBroker instance : List.of(first, second)) { // connecting takes a round trip of 4 s too
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                        MqttPublisher publisher = instance.context().hasService(MqttPublisher.class);
                        return publisher != null && publisher.isConnected();
                    });
                }

                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    String id = "slow-" + i;
                    ids.add(id);
                    queues.send(OUTBOX, OutboxJson.message(id, "5", "sam", List.of("alice", "bob", "carol"), "hi " + i));
                }
                queues.awaitDrained(OUTBOX, Duration.ofSeconds(120));

                for (MqttTestClient client : clients) {
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.received().size() >= ids.size());
                    List<String> got = new ArrayList<>();
                    for (MqttTestClient.Received r : client.received()) {
                        got.add(JSON.readTree(r.payload()).get("messageId").asText());
                    }
                    assertThat(got).as("what one recipient got").containsExactlyInAnyOrderElementsOf(ids);
                }
                assertThat(queues.drain(PUSH)).as("no fallback, no second delivery as a push").isEmpty();
                assertThat(queues.drain(DLQ)).isEmpty();
            } finally {
                clients.forEach(MqttTestClient::close);
            }
        }
    }
}
