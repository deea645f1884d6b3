package io.presencebroker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.sqs.SqsRequestMetrics;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What the lifecycle consumer guarantees whatever the route file says, on real ElasticMQ and MariaDB: a poll still
 * worked on keeps its messages invisible (its visibility is extended), and a stop gives back every message it holds
 * but did not commit, at once, instead of leaving them invisible for the visibility timeout.
 */
class LifecycleConsumerTest {

    @Test
    void aPollWorkedOnLongerThanTheVisibilityTimeoutIsNotReceivedTwice() throws Exception {
        String queue = "consumer-visibility-events";
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(queue, queue + "-dlq", 2);
        settings.put("presence.consumers", "2");
        long t = System.currentTimeMillis();
        try (Connection blocker = TestServices.connection(); Statement st = blocker.createStatement();
             TestQueues queues = new TestQueues()) {
            // the client's row exists and is locked by another transaction: the consumer's commit waits for it
            st.execute("INSERT INTO client_presence (client_id, user_id, connected, version_number, event_rank, event_ts,"
                    + " session_id) VALUES ('slow-1', 'slow-1', FALSE, 0, 1, " + (t - 1000) + ", 's0')");
            blocker.setAutoCommit(false);
            st.executeQuery("SELECT * FROM client_presence WHERE client_id = 'slow-1' FOR UPDATE").close();
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                SqsRequestMetrics sqs = broker.context().getRegistry().lookupByNameAndType("sqsRequestMetrics",
                        SqsRequestMetrics.class);
                PresenceMetrics metrics = broker.context().getRegistry().lookupByNameAndType("presenceMetrics",
                        PresenceMetrics.class);
                queues.send(queue, EventJson.connected("slow-1", t, "s1", 1));
                // held for three visibility timeouts: without the extension the other thread would receive it again
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                        () -> sqs.count("ChangeMessageVisibilityBatch", "ok") >= 3);
                assertThat(queues.depth(queue)).containsExactly(0, 1);
                blocker.rollback();
                queues.awaitDrained(queue, Duration.ofSeconds(30));
                assertThat(metrics.value("connected", "applied")).isEqualTo(1);
                assertThat(metrics.value("connected", "stale")).as("received again and applied twice").isZero();
                assertThat(sqs.count("ReceiveMessage", "ok")).isPositive();
            }
        }
    }

    @Test
    void aStopGivesBackWhatItHoldsAndTheNextStartConverges() throws Exception {
        String queue = "consumer-stop-events";
        TestServices.clearDatabase();
        // a long visibility timeout: a message held at the stop and not given back would stay invisible for 300 s
        Map<String, String> settings = TestServices.settings(queue, queue + "-dlq", 300);
        settings.put("presence.consumers", "4");
        HistoryGenerator generator = new HistoryGenerator(20261206L);
        List<ReferenceModel.Event> history = generator.history(120, 5, "stop-");
        List<String> deliveries = generator.deliveries(history);
        try (TestQueues queues = new TestQueues()) {
            queues.send(queue, deliveries);
            PresenceBroker first = new PresenceBroker(settings).start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                        .until(() -> queues.depth(queue)[0] < deliveries.size() * 3L / 4);
            } finally {
                first.close();
            }
            long[] afterStop = queues.depth(queue);
            System.out.printf("stop: %d visible and %d in flight right after the stop, of %d%n", afterStop[0],
                    afterStop[1], deliveries.size());
            assertThat(afterStop[0]).as("stopped mid-stream").isPositive();
            // ElasticMQ answers from the state it has: what was given back is visible at once, deletes may trail
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> queues.depth(queue)[1] == 0);
            try (PresenceBroker second = new PresenceBroker(settings).start()) {
                queues.awaitDrained(queue, Duration.ofSeconds(60));
            }
            assertThat(SocketStatusRow.readAll()).isEqualTo(ReferenceModel.of(history).socketStatus());
        }
    }
}
