package io.presencebroker;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SecretsManagerStandIn;
import io.presencebroker.testing.SingleUserRotation;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static io.presencebroker.CredentialRefreshTest.refreshes;
import static io.presencebroker.CredentialRotationTest.OLD_PASSWORD;
import static io.presencebroker.CredentialRotationTest.USER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Secrets Manager rotation as the stack runs it (deploy/template.yaml: hosted single-user rotation of the runtime
 * user's secret, the service given its ARN), end to end: the steps of AWS's rotation function
 * ({@link SingleUserRotation}) through the real SDK client against a Secrets Manager endpoint
 * ({@link SecretsManagerStandIn}) and a real MariaDB user, while events keep coming; the service reads the secret
 * through its own SDK client (health/SecretsManagerCredentials, presence.db.secret-arn). Its sessions end right after
 * the password changed (the worst case: a failover, or HikariCP's maxLifetime), in the rotation's own window where the
 * database takes only the new password and AWSCURRENT still holds the old one, so the first read of the secret finds
 * nothing new; once the rotation finishes, the next read does, and every event is applied without a restart: nothing
 * is lost or dead-lettered, the state equals the reference model.
 */
class SecretsManagerRotationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSingleUserRotationUnderTrafficIsFollowedWithoutARestartAndNothingIsLost() throws Exception {
        String queue = "sm-rotation-events";
        String dlq = "sm-rotation-events-dlq";
        HistoryGenerator generator = new HistoryGenerator(20261206L);
        List<ReferenceModel.Event> history = generator.history(30, 4, "sm-rotation-");
        List<String> deliveries = generator.deliveries(history);
        int third = deliveries.size() / 3;

        try (TestMariaDb db = TestMariaDb.builder().user(USER, OLD_PASSWORD).start();
             SecretsManagerStandIn secrets = SecretsManagerStandIn.start("presence-runtime",
                     SingleUserRotation.secret(USER, OLD_PASSWORD, db.port()));
             SingleUserRotation rotation = new SingleUserRotation(secrets.endpoint(), secrets.arn());
             TestQueues queues = new TestQueues()) {
            int port = CredentialRotationTest.freePort();
            Map<String, String> settings = CredentialRotationTest.settings(db, queue, dlq, port);
            settings.put("presence.db.secret-arn", secrets.arn());
            settings.put("presence.secretsmanager.endpoint", secrets.endpoint());
            settings.put("presence.aws.access-key", "x");
            settings.put("presence.aws.secret-key", "x");
            settings.put("presence.db.secret-refresh-interval-seconds", "1");
            settings.put("presence.db.auth-failure-liveness-seconds", "60");
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                AuthenticationFailures failures = broker.context().getRegistry()
                        .findSingleByType(AuthenticationFailures.class);
                queues.send(queue, deliveries.subList(0, third));
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                assertThat(secrets.reads()).as("no read while the login works").isZero();

                String token = UUID.randomUUID().toString();
                rotation.createSecret(token);
                rotation.setSecret(token);
                int killed = db.killSessionsOf(USER);
                assertThat(killed).isPositive();

                // events arrive while the database takes only the pending password and AWSCURRENT is still the old one
                queues.send(queue, deliveries.subList(third, 2 * third));
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> failures.failures() > 0 && secrets.reads() > 0);
                assertThat(refreshes(broker)).as("the old secret is nothing new").isZero();

                rotation.testSecret(token);
                rotation.finishSecret(token);
                long finishedAt = System.nanoTime();
                queues.send(queue, deliveries.subList(2 * third, deliveries.size()));
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                System.out.printf("Secrets Manager rotation: %d events, %d of them sent after the password changed;"
                        + " all applied %.1f s after the rotation finished, without a restart; secret read %d times,"
                        + " login refreshed %d time(s)%n", deliveries.size(),
                        deliveries.size() - third, (System.nanoTime() - finishedAt) / 1e9, secrets.reads(),
                        refreshes(broker));

                assertThat(refreshes(broker)).isEqualTo(1);
                assertThat(queues.drain(dlq)).as("dead-lettered").isEmpty();
                assertThat(new CredentialRotationTest().status(port, "/observe/health/live")).isEqualTo(200);
            }
            String rotated = JSON.readTree(secrets.valueAt("AWSCURRENT")).path("password").asText();
            assertThat(rotated).isNotEqualTo(OLD_PASSWORD);
            try (Connection c = db.connect(USER, rotated)) {
                assertThat(SocketStatusRow.readAll(c)).isEqualTo(ReferenceModel.of(history).socketStatus());
            }
        }
    }
}
