package io.presencebroker;

import io.presencebroker.sqs.SqsRequestMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TcpProxy;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import io.presencebroker.failure.CircuitBreaker;
import org.awaitility.Awaitility;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database failover as it happens: the service writes to a real MariaDB primary, replicated to a real replica, through
 * a TCP proxy (the cluster endpoint's name). Mid-stream the primary turns read-only and keeps the service's sessions
 * open, the replica catches up and is promoted, and the proxy sends new connections to it. The sessions to the old
 * primary answer every write with error 1290: they must be evicted, not lent again, and the events retried (never
 * dead-lettered) until they are committed on the new primary, whose final state must be exactly the reference model's.
 */
class FailoverTest {

    static final String QUEUE = "failover-events";
    static final String DLQ = "failover-events-dlq";
    /** An ordinary application user: read_only binds it (it does not bind the administrator, who has SUPER). */
    static final String APP_USER = "presence";
    static final String APP_PASSWORD = "presence-Secret-1";

    @Test
    void failoverToThePromotedReplicaLosesNothingAndDeadLettersNothing() throws Exception {
        HistoryGenerator generator = new HistoryGenerator(20261202L);
        List<ReferenceModel.Event> history = generator.history(12, 5, "failover-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        int third = deliveries.size() / 3;

        TestServices.get(); // the shared ElasticMQ (and MariaDB, unused here), started before the clock runs
        long startingAt = System.nanoTime();
        try (TestMariaDb oldPrimary = TestMariaDb.builder().user(APP_USER, APP_PASSWORD).replication(1).start();
             TestMariaDb newPrimary = TestMariaDb.builder().user(APP_USER, APP_PASSWORD).replication(2).start();
             TcpProxy endpoint = new TcpProxy(oldPrimary.port());
             TestQueues queues = new TestQueues()) {
            newPrimary.replicate(oldPrimary);
            // the schema, migrated on the primary, replicates
            Flyway.configure().dataSource(oldPrimary.jdbcUrl(), APP_USER, APP_PASSWORD)
                    .locations("classpath:db/migration").load().migrate();
            newPrimary.awaitCaughtUpWith(oldPrimary, 30);
            System.out.printf("failover: primary and replica started and replicating in %d ms%n",
                    (System.nanoTime() - startingAt) / 1_000_000);
            Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 12);
            settings.put("presence.db.url", TestMariaDb.jdbcUrlAt(endpoint.port(), TestMariaDb.DATABASE));
            settings.put("presence.db.user", APP_USER);
            settings.put("presence.db.password", APP_PASSWORD);
            settings.put("presence.db.connection-timeout-ms", "500");
            settings.put("presence.db.socket-timeout-ms", "2000");
            settings.put("presence.circuit-breaker.half-open-after-ms", "1000");
            // 4 x (500 + 2000) + 434 + 20 = 10,454 ms < 12 s: the start-up check must pass

            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                CircuitBreaker breaker = broker.context().getRegistry()
                        .lookupByNameAndType("lifecycleCircuitBreaker", CircuitBreaker.class);
                queues.send(QUEUE, deliveries.subList(0, third));
                queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
                int connectionsBefore = endpoint.forwardedConnections();

                // mid-stream: the primary turns read-only, the rest of the stream keeps coming
                long demotedAt = System.nanoTime();
                oldPrimary.demote();
                String contentBefore = content(oldPrimary);
                queues.send(QUEUE, deliveries.subList(third, deliveries.size()));
                // the service's sessions to the old primary are still open and it writes on them: every write is
                // refused (1290), the retries fail and the breaker opens (MariaDB counts no Com_update for them)
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> breaker.state().equals("opened"));
                assertThat(content(oldPrimary)).as("tables of the read-only old primary").isEqualTo(contentBefore);

                newPrimary.promote(oldPrimary);
                String contentOnNewAtSwitch = content(newPrimary);
                endpoint.retarget(newPrimary.port());
                long switchedAt = System.nanoTime();

                SqsRequestMetrics sqs = broker.context().getRegistry()
                        .lookupByNameAndType("sqsRequestMetrics", SqsRequestMetrics.class);
                Awaitility.await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(20))
                        .conditionEvaluationListener(c -> {
                            if (c.getElapsedTimeInMS() % 5000 < 25) {
                                System.out.printf("failover: waiting %d ms: breaker %s, queue %s, receives %.0f, tables %s%n",
                                        c.getElapsedTimeInMS(), breaker.state(),
                                        java.util.Arrays.toString(queues.depth(QUEUE)), sqs.count("ReceiveMessage", "ok"),
                                        contentQuietly(newPrimary));
                            }
                        })
                        .until(() -> !content(newPrimary).equals(contentOnNewAtSwitch));
                long recoveredAt = System.nanoTime();
                queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
                long drainedAt = System.nanoTime();

                List<SocketStatusRow> expected = model.socketStatus();
                assertThat(newPrimary.socketStatus()).as("socket_status on the new primary").isEqualTo(expected);
                assertThat(queues.drain(DLQ)).as("dead-lettered").isEmpty();
                System.out.printf("failover: events sent %d (%d distinct), expected rows %d, dead-lettered 0, lost 0;"
                                + " new connections after the switch %d;"
                                + " first event applied on the new primary %d ms after the switch (%d ms after the"
                                + " demotion); queue drained %d ms after the switch%n",
                        deliveries.size(), history.size(), expected.size(),
                        endpoint.forwardedConnections() - connectionsBefore,
                        (recoveredAt - switchedAt) / 1_000_000, (recoveredAt - demotedAt) / 1_000_000,
                        (drainedAt - switchedAt) / 1_000_000);
            } finally {
                queues.purge(QUEUE);
            }
        }
    }

    private static String contentQuietly(TestMariaDb server) {
        try {
            return content(server);
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    /** The checksums of the two tables behind socket_status: any committed change changes them. */
    private static String content(TestMariaDb server) throws Exception {
        return server.query("CHECKSUM TABLE client_presence, client_subscription");
    }
}
