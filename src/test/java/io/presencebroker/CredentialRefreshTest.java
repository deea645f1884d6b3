package io.presencebroker;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.presencebroker.health.CredentialRefresh;
import io.presencebroker.health.DatabaseCredentials;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import org.junit.jupiter.api.Test;

import static io.presencebroker.CredentialRotationTest.NEW_PASSWORD;
import static io.presencebroker.CredentialRotationTest.OLD_PASSWORD;
import static io.presencebroker.CredentialRotationTest.USER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refresh path: the password changes under the running service (real MariaDB with grant tables, sessions killed)
 * and its credentials source (here a test-supplied one standing in for the Secrets Manager secret, which cannot be run
 * here) then holds the new one. The first refused login reads the source again, the pool takes the new login, and
 * every event is applied without a restart: the queue drains, nothing is dead-lettered, liveness stays UP.
 */
class CredentialRefreshTest {

    @Test
    void refusedLoginReadsTheRotatedSecretAndTheServiceGoesOnWithoutARestart() throws Exception {
        String queue = "refresh-events";
        String dlq = "refresh-events-dlq";
        HistoryGenerator generator = new HistoryGenerator(20261203L);
        List<ReferenceModel.Event> history = generator.history(12, 4, "refresh-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        int half = deliveries.size() / 2;

        AtomicReference<DatabaseCredentials.Login> secret = new AtomicReference<>(new DatabaseCredentials.Login(USER, OLD_PASSWORD));
        AtomicInteger reads = new AtomicInteger();
        DatabaseCredentials source = () -> {
            reads.incrementAndGet();
            return secret.get();
        };
        CredentialRotationTest http = new CredentialRotationTest();

        try (TestMariaDb db = TestMariaDb.builder().user(USER, OLD_PASSWORD).start();
             TestQueues queues = new TestQueues()) {
            int port = CredentialRotationTest.freePort();
            Map<String, String> settings = CredentialRotationTest.settings(db, queue, dlq, port);
            settings.put("presence.db.secret-refresh-interval-seconds", "1");
            try (PresenceBroker broker = new PresenceBroker(settings).bind("testCredentials", source).start()) {
                CredentialRefresh refresh = broker.context().getRegistry()
                        .lookupByNameAndType("databaseCredentialRefresh", CredentialRefresh.class);
                assertThat(refresh).as("refresh wired from the bound source").isNotNull();
                queues.send(queue, deliveries.subList(0, half));
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                assertThat(reads.get()).as("no read while the login works").isZero();

                // as a single-user rotation does: the password changes, then the secret holds the new one
                db.changePassword(USER, NEW_PASSWORD);
                int killed = db.killSessionsOf(USER);
                secret.set(new DatabaseCredentials.Login(USER, NEW_PASSWORD));
                long rotatedAt = System.nanoTime();
                assertThat(killed).isPositive();

                queues.send(queue, deliveries.subList(half, deliveries.size()));
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                double drained = (System.nanoTime() - rotatedAt) / 1e9;
                System.out.printf("refresh: the second half (%d events) applied %.1f s after the rotation, without a"
                        + " restart; source read %d times, login refreshed %d times%n",
                        deliveries.size() - half, drained, reads.get(), refreshes(broker));
                assertThat(refreshes(broker)).isEqualTo(1);
                assertThat(http.status(port, "/observe/health/live")).isEqualTo(200);
                assertThat(http.status(port, "/observe/health/ready")).isEqualTo(200);
                assertThat(queues.drain(dlq)).as("dead-lettered").isEmpty();
            }
            try (Connection c = db.connect(USER, NEW_PASSWORD)) {
                assertThat(SocketStatusRow.readAll(c)).isEqualTo(model.socketStatus());
            }
        }
    }

    /** How many times the pool took a changed login from its source (the refresh's counter). */
    static long refreshes(PresenceBroker broker) {
        return (long) io.presencebroker.metrics.Meters.of(broker.context())
                .get("presence.db.credential.refreshes").counter().count();
    }
}
