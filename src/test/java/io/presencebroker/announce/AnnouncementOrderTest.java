package io.presencebroker.announce;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.sqs.SqsRequestMetrics;
import io.presencebroker.testing.SqsDelayLine;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Announcements out of order, on the real SQS and MariaDB with two instances: a delay line holds the first
 * SendMessageBatch of the user's offline for 40 s, longer than a claim (10 s here). The sending instance gives the
 * call up within the SQS call timeout (it does not wait 40 s); the claim runs out and is sent again, the user's later
 * online follows; then the held request reaches SQS after all, so a subscriber receives the stale offline last. Each
 * announcement carries the user's sequence number: ordered by it, the subscriber ends with the user online, and the
 * late offline is recognisably older (a resend has the sequence of the announcement it repeats).
 */
class AnnouncementOrderTest {

    static final String EVENTS = "announcement-order-events";
    static final String DLQ = "announcement-order-events-dlq";
    static final String ANNOUNCEMENTS = "announcement-order";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aStaleSendThatLandsLateIsOlderByItsSequenceThanTheStateAfterIt() throws Exception {
        TestServices.clearDatabase();
        String elasticMq = TestServices.get().properties().get("presence.sqs.endpoint");
        Duration held = Duration.ofSeconds(40);
        try (SqsDelayLine line = new SqsDelayLine(elasticMq,
                SqsDelayLine.request("SendMessageBatch", List.of("uma", "\\\"online\\\":false")), held);
             TestQueues queues = new TestQueues()) {
            Map<String, String> settings = TestServices.settings(EVENTS, DLQ);
            TestServices.get().createQueues(ANNOUNCEMENTS, ANNOUNCEMENTS + "-dlq");
            settings.put("presence.sqs.endpoint", line.endpoint());
            settings.put("presence.announcements.enabled", "true");
            settings.put("presence.announcements.queue", ANNOUNCEMENTS);
            settings.put("presence.offline-debounce-ms", "0");
            settings.put("presence.announcements.poll-interval-ms", "100");
            settings.put("presence.announcements.claim-seconds", "10");
            settings.put("presence.sqs.call-timeout-ms", "2000");
            long t = System.currentTimeMillis() - 60_000;
            List<JsonNode> received = new ArrayList<>();
            try (PresenceBroker a = new PresenceBroker(settings).start();
                 PresenceBroker b = new PresenceBroker(settings).start()) {
                queues.send(EVENTS, EventJson.connected("uma", t, "u-1", 1));
                awaitReceived(queues, received, 1);
                long offlineSent = System.nanoTime();
                queues.send(EVENTS, EventJson.disconnected("uma", t + 10, "u-1", 1, "CLIENT_INITIATED_DISCONNECT"));
                // the held send is given up within the call timeout, not after the delay line's 40 s
                Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> sendErrors(a) + sendErrors(b) > 0);
                assertThat(Duration.ofNanos(System.nanoTime() - offlineSent)).isLessThan(held);
                queues.send(EVENTS, EventJson.connected("uma", t + 20, "u-2", 2));
                // online, offline (sent again when its claim ran out), online, and the held offline at last
                awaitReceived(queues, received, 4);
                assertThat(line.awaitForwarded(Duration.ZERO)).isTrue();
            }
            assertThat(received).extracting(m -> m.get("online").asBoolean()).containsExactly(true, false, true, false);
            List<Long> sequences = received.stream().map(m -> m.get("sequence").asLong()).toList();
            assertThat(sequences.get(3)).as("the late offline repeats the announcement it was")
                    .isEqualTo(sequences.get(1)).isLessThan(sequences.get(2));
            JsonNode latest = received.stream().max(Comparator.comparingLong(m -> m.get("sequence").asLong())).orElseThrow();
            assertThat(latest.get("online").asBoolean()).as("the state a subscriber ordering by sequence ends with").isTrue();
        }
    }

    static void awaitReceived(TestQueues queues, List<JsonNode> received, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(70)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (TestQueues.DeadLetter m : queues.drain(ANNOUNCEMENTS)) {
                received.add(JSON.readTree(m.body()));
            }
            return received.size() >= count;
        });
    }

    static double sendErrors(PresenceBroker broker) {
        return broker.context().getRegistry().lookupByNameAndType("sqsRequestMetrics", SqsRequestMetrics.class)
                .count("SendMessageBatch", "error");
    }
}
