package io.presencebroker.failure;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.sqs.SqsRequestMetrics;
import io.presencebroker.health.ConsumerHealthCheck;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.apache.camel.health.HealthCheck;
import io.presencebroker.failure.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fault of the environment never dead-letters a stream. Mid-stream the tables disappear, as in a rolling migration
 * that renames them (error 1146; privileges revoked or a statement broken by an edit take the same path): nothing is
 * dead-lettered, the consumer is suspended and readiness is DOWN for as long as the database refuses the service's
 * statements, even though the database itself answers; once the tables are back every event is applied exactly.
 */
class EnvironmentFaultTest {

    static final String QUEUE = "environment-events";
    static final String DLQ = "environment-events-dlq";

    static void sql(String statement) throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    @Test
    void tablesGoneMidStreamSuspendTheConsumerAndDeadLetterNothing() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 3);
        settings.put("presence.retry.max-redeliveries", "1");
        settings.put("presence.circuit-breaker.failure-threshold", "2");
        settings.put("presence.circuit-breaker.half-open-after-ms", "500");

        HistoryGenerator generator = new HistoryGenerator(20261202L);
        List<ReferenceModel.Event> history = generator.history(10, 4, "env-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        int half = deliveries.size() / 2;

        try (PresenceBroker broker = new PresenceBroker(settings).start(); TestQueues queues = new TestQueues()) {
            CircuitBreaker breaker = broker.context().getRegistry()
                    .lookupByNameAndType("lifecycleCircuitBreaker", CircuitBreaker.class);
            ConsumerHealthCheck readiness = broker.context().getRegistry()
                    .lookupByNameAndType("consumerHealthCheck", ConsumerHealthCheck.class);
            SqsRequestMetrics sqs = broker.context().getRegistry().lookupByNameAndType("sqsRequestMetrics", SqsRequestMetrics.class);

            queues.send(QUEUE, deliveries.subList(0, half));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.UP);

            sql("RENAME TABLE client_presence TO client_presence_migrating, client_subscription TO client_subscription_migrating");
            try {
                queues.send(QUEUE, deliveries.subList(half, deliveries.size()));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> breaker.state().equals("opened"));
                assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.DOWN);
                double receivesAtOpen = sqs.count("ReceiveMessage", "ok");
                // the database answers pings all along; the probe runs the real statements, so it stays suspended
                Awaitility.await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() ->
                        breaker.state().equals("opened") && queues.depth(DLQ)[0] == 0
                                && readiness.call().getState() == HealthCheck.State.DOWN);
                System.out.printf("environment fault: receives while suspended for 4 s: %.0f%n",
                        sqs.count("ReceiveMessage", "ok") - receivesAtOpen);
                assertThat(sqs.count("ReceiveMessage", "ok") - receivesAtOpen).isLessThanOrEqualTo(4);
            } finally {
                sql("RENAME TABLE client_presence_migrating TO client_presence, client_subscription_migrating TO client_subscription");
            }

            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            assertThat(SocketStatusRow.readAll()).isEqualTo(model.socketStatus());
            assertThat(queues.drain(DLQ)).as("dead-lettered").isEmpty();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> readiness.call().getState() == HealthCheck.State.UP);
        }
    }
}
