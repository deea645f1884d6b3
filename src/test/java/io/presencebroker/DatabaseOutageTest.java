package io.presencebroker;

import io.presencebroker.sqs.SqsRequestMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import io.presencebroker.failure.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database stops in the middle of a stream of events and comes back: every event is applied exactly as with no
 * outage, nothing reaches the dead-letter queue, and the consumers are suspended (not polling) during the outage.
 */
class DatabaseOutageTest {

    static final String QUEUE = "outage-events";
    static final String DLQ = "outage-events-dlq";

    @Test
    void databaseOutageMidStreamLosesNothingAndSuspendsTheConsumers() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 3);
        settings.put("presence.db.connection-timeout-ms", "500");
        settings.put("presence.retry.max-redeliveries", "2");
        settings.put("presence.circuit-breaker.failure-threshold", "3");
        settings.put("presence.circuit-breaker.failure-window-ms", "10000");
        settings.put("presence.circuit-breaker.half-open-after-ms", "500");

        HistoryGenerator generator = new HistoryGenerator(20261126L);
        List<ReferenceModel.Event> history = generator.history(12, 5, "outage-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        int half = deliveries.size() / 2;

        try (PresenceBroker broker = new PresenceBroker(settings).start(); TestQueues queues = new TestQueues()) {
            SqsRequestMetrics sqs = broker.context().getRegistry().lookupByNameAndType("sqsRequestMetrics", SqsRequestMetrics.class);
            CircuitBreaker breaker = broker.context().getRegistry()
                    .lookupByNameAndType("lifecycleCircuitBreaker", CircuitBreaker.class);

            queues.send(QUEUE, deliveries.subList(0, half));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));

            TestServices.get().db().stop();
            try {
                queues.send(QUEUE, deliveries.subList(half, deliveries.size()));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> breaker.state().equals("opened"));
                double receivesAtOpen = sqs.count("ReceiveMessage", "ok");
                // the outage goes on for 5 s: the suspended consumers must not poll SQS meanwhile
                Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                        .until(() -> sqs.count("ReceiveMessage", "ok") - receivesAtOpen <= 4); // at most the polls in flight when it opened
                System.out.printf("outage: receives while suspended for 5 s: %.0f%n",
                        sqs.count("ReceiveMessage", "ok") - receivesAtOpen);
            } finally {
                TestServices.get().db().start();
            }

            queues.awaitDrained(QUEUE, Duration.ofSeconds(90));
            List<SocketStatusRow> expected = model.socketStatus();
            assertThat(SocketStatusRow.readAll()).isEqualTo(expected);
            assertThat(queues.drain(DLQ)).as("dead-lettered").isEmpty();
            System.out.printf("outage: events sent %d (%d distinct), expected rows %d, dead-lettered 0, lost 0%n",
                    deliveries.size(), history.size(), expected.size());
        }
    }
}
