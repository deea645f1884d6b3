package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.PresenceBroker;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Receipts on (issue 25, item 2), on the real components: two connected, subscribed recipients get the publish; the
 * one whose client acknowledges on the receipts queue gets no push; the one whose client stays silent (a zombie
 * socket: the broker took the publish, nobody read it) gets the push within the timeout + 1 s; its receipt arriving
 * after that changes nothing.
 */
class ReceiptsTest {

    static final String PREFIX = "receipts";
    static final String DLQ = PREFIX + "-dlq";
    static final String OUTBOX = PREFIX + "-outbox";
    static final String PUSH = PREFIX + "-push";
    static final String RECEIPTS = PREFIX + "-receipts";
    static final long TIMEOUT_MS = 2000;
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUnacknowledgedSocketDeliveryIsPushedOnceInTimeAndAnAcknowledgedOneIsNot() throws Exception {
        TestServices.clearDatabase();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            Map<String, String> s = DeliveryServices.settings(PREFIX, mqtt, 60);
            TestServices.get().createQueues(RECEIPTS, RECEIPTS + "-dlq");
            s.put("presence.delivery.receipts.enabled", "true");
            s.put("presence.receipts-queue", RECEIPTS);
            s.put("presence.delivery.receipt-timeout-ms", String.valueOf(TIMEOUT_MS));
            s.put("presence.delivery.receipts.poll-interval-ms", "100");

            List<MqttTestClient> clients = new ArrayList<>();
            try (PresenceBroker broker = new PresenceBroker(s).start()) {
                clients.addAll(DeliveryServices.online(queues, PREFIX, mqtt, "3", "alice", "bob"));
                MqttTestClient alice = clients.get(0);
                MqttTestClient bob = clients.get(1);

                queues.send(OUTBOX, OutboxJson.message("r-1", "3", "sam", List.of("alice", "bob"), "hi"));
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> alice.received().size() == 1 && bob.received().size() == 1);
                long published = System.nanoTime();
                // bob's app acknowledges what it read; alice's socket is a zombie: nobody reads, nobody answers
                queues.send(RECEIPTS, "{\"messageId\":\"r-1\",\"userId\":\"bob\"}");

                List<String> pushed = new ArrayList<>();
                Awaitility.await().atMost(Duration.ofMillis(TIMEOUT_MS + 1000)).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            for (TestQueues.DeadLetter m : queues.drain(PUSH)) {
                                pushed.add(JSON.readTree(m.body()).get("recipient").asText()
                                        + ":" + JSON.readTree(m.body()).get("messageId").asText());
                            }
                            return !pushed.isEmpty();
                        });
                long waitedMs = (System.nanoTime() - published) / 1_000_000;
                assertThat(pushed).containsExactly("alice:r-1");
                assertThat(waitedMs).as("pushed once its time was up, not before").isGreaterThanOrEqualTo(TIMEOUT_MS - 500);
                assertThat(receipts()).containsEntry("alice", "pushed").containsEntry("bob", "received");

                // alice's receipt comes after the push: nothing changes, nothing more is sent
                queues.send(RECEIPTS, "{\"messageId\":\"r-1\",\"userId\":\"alice\"}");
                queues.awaitDrained(RECEIPTS, Duration.ofSeconds(30));
                assertThat(receipts()).containsEntry("alice", "pushed");
                assertThat(queues.drain(PUSH)).isEmpty();
                assertThat(queues.drain(DLQ)).isEmpty();
            } finally {
                clients.forEach(MqttTestClient::close);
            }
        }
    }

    static Map<String, String> receipts() throws Exception {
        Map<String, String> states = new TreeMap<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT recipient, state FROM delivery_receipt WHERE message_id = 'r-1'")) {
            while (rs.next()) {
                states.put(rs.getString(1), rs.getString(2));
            }
        }
        return states;
    }
}
