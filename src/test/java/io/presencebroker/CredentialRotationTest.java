package io.presencebroker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.failure.FailureClassifier;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The database password changes under a running service (as a single-user Secrets Manager rotation does) and its
 * sessions are ended, against a real MariaDB with grant tables: liveness (/observe/health/live, the ECS health check)
 * goes DOWN (HTTP 503) once every connection has been refused for the configured window, readiness is DOWN, nothing
 * is dead-lettered, and a restart with the new password (the new task ECS starts) applies every event: the state equals
 * the reference model and the queue drains.
 */
class CredentialRotationTest {

    static final String USER = "presence_app";
    static final String OLD_PASSWORD = "before-rotation";
    static final String NEW_PASSWORD = "after-rotation";
    static final int WINDOW_SECONDS = 5;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void rotatedPasswordUnderTrafficMakesLivenessDownAndLosesNothing() throws Exception {
        String queue = "rotation-events";
        String dlq = "rotation-events-dlq";
        HistoryGenerator generator = new HistoryGenerator(20261202L);
        List<ReferenceModel.Event> history = generator.history(12, 4, "rotation-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        int half = deliveries.size() / 2;

        try (TestMariaDb db = TestMariaDb.builder().user(USER, OLD_PASSWORD).start();
             TestQueues queues = new TestQueues()) {
            int port = freePort();
            Map<String, String> settings = settings(db, queue, dlq, port);
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                queues.send(queue, deliveries.subList(0, half));
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                assertThat(status(port, "/observe/health/live")).isEqualTo(200);
                assertThat(status(port, "/observe/health/ready")).isEqualTo(200);

                db.changePassword(USER, NEW_PASSWORD);
                int killed = db.killSessionsOf(USER);
                long rotatedAt = System.nanoTime();
                assertThat(killed).as("pooled sessions ended").isPositive();
                assertThatThrownBy(() -> db.connect(USER, OLD_PASSWORD).close())
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getErrorCode()).isEqualTo(1045);
                            AuthenticationFailures seen = new AuthenticationFailures();
                            seen.record(e);
                            assertThat(seen.failures()).as("taken for a refused login").isEqualTo(1);
                            assertThat((FailureClassifier.classify(e) == FailureClassifier.Kind.MESSAGE)).as("1045 is never dead-lettered").isFalse();
                        });

                queues.send(queue, deliveries.subList(half, deliveries.size()));
                Awaitility.await().atMost(Duration.ofSeconds(WINDOW_SECONDS + 30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> status(port, "/observe/health/live") == 503);
                double toDown = (System.nanoTime() - rotatedAt) / 1e9;
                System.out.printf("rotation under traffic: liveness DOWN (HTTP 503) %.1f s after the password change"
                        + " and the end of %d sessions (window %d s)%n", toDown, killed, WINDOW_SECONDS);
                assertThat(toDown).as("DOWN only once the refusals lasted the window").isGreaterThanOrEqualTo(WINDOW_SECONDS);
                assertThat(status(port, "/observe/health/ready")).isEqualTo(503);

                AuthenticationFailures failures = broker.context().getRegistry()
                        .lookupByNameAndType("authenticationFailures", AuthenticationFailures.class);
                assertThat(failures.lastFailure()).contains("error 1045").contains("28000").contains("Access denied");
                System.out.printf("rotation under traffic: %d refused connection attempts, last: %s%n",
                        failures.failures(), failures.lastFailure());
                assertThat(queues.drain(dlq)).as("dead-lettered while the credentials were refused").isEmpty();
                long[] depth = queues.depth(queue);
                assertThat(depth[0] + depth[1]).as("events not applied stay on the queue").isPositive();
            }

            // what ECS does next: a new task, started with the current secret
            settings.put("presence.db.password", NEW_PASSWORD);
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                queues.awaitDrained(queue, Duration.ofSeconds(60));
                assertThat(status(port, "/observe/health/live")).isEqualTo(200);
            }
            try (Connection c = db.connect(USER, NEW_PASSWORD)) {
                assertThat(SocketStatusRow.readAll(c)).isEqualTo(model.socketStatus());
            }
            assertThat(queues.drain(dlq)).as("dead-lettered").isEmpty();
            System.out.printf("rotation under traffic: %d events sent (%d distinct), all applied after the restart,"
                    + " dead-lettered 0%n", deliveries.size(), history.size());
        }
    }

    @Test
    void rotatedPasswordOfAnIdleServiceIsFoundByTheLivenessCheckItself() throws Exception {
        try (TestMariaDb db = TestMariaDb.builder().user(USER, OLD_PASSWORD).start()) {
            int port = freePort();
            try (PresenceBroker broker = new PresenceBroker(settings(db, "rotation-idle", "rotation-idle-dlq", port)).start()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(port, "/observe/health/live") == 200);
                db.changePassword(USER, NEW_PASSWORD);
                int killed = db.killSessionsOf(USER);
                long rotatedAt = System.nanoTime();
                assertThat(killed).isPositive();
                // no event arrives: only the liveness check's own probe (every quarter window without a verdict) can see it
                Awaitility.await().atMost(Duration.ofSeconds(WINDOW_SECONDS * 3L + 20)).pollInterval(Duration.ofMillis(500))
                        .until(() -> status(port, "/observe/health/live") == 503);
                double toDown = (System.nanoTime() - rotatedAt) / 1e9;
                System.out.printf("rotation while idle: liveness DOWN %.1f s after the password change (window %d s)%n",
                        toDown, WINDOW_SECONDS);
                assertThat(toDown).isGreaterThanOrEqualTo(WINDOW_SECONDS);

                // the password is set back: the next accepted connection makes the task live again
                db.changePassword(USER, OLD_PASSWORD);
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                        .until(() -> status(port, "/observe/health/live") == 200);
            }
        }
    }

    static Map<String, String> settings(TestMariaDb db, String queue, String dlq, int managementPort) {
        Map<String, String> settings = TestServices.settings(queue, dlq, 3);
        settings.put("presence.db.url", db.jdbcUrl());
        settings.put("presence.db.user", USER);
        settings.put("presence.db.password", OLD_PASSWORD);
        settings.put("presence.db.connection-timeout-ms", "500");
        settings.put("presence.db.auth-failure-liveness-seconds", String.valueOf(WINDOW_SECONDS));
        settings.put("presence.retry.max-redeliveries", "2");
        settings.put("presence.circuit-breaker.failure-threshold", "3");
        settings.put("presence.circuit-breaker.failure-window-ms", "10000");
        settings.put("presence.circuit-breaker.half-open-after-ms", "500");
        settings.put("camel.management.enabled", "true");
        settings.put("camel.management.port", String.valueOf(managementPort));
        settings.put("presence.management.port", String.valueOf(managementPort));
        return settings;
    }

    int status(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
