package io.presencebroker;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container's exact entrypoint, outside Docker (no engine here): the ENTRYPOINT and CMD of the Dockerfile run
 * against the packaged jar, configured only by environment variables, with the JVM told it has the 512 MiB of the
 * smallest Fargate task. It must become ready, work under load, log JSON lines without the password, and on SIGTERM
 * stop within ECS's 30 s stopTimeout losing nothing.
 */
class ContainerEntrypointIT {

    static final String QUEUE = "entrypoint-events";
    static final String DLQ = "entrypoint-events-dlq";
    static final String SECRET = "s3cr3t-Pa55word-never-logged";

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void entrypointBecomesReadyWorksUnderLoadAndStopsOnSigtermWithinTheStopTimeout() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 5);
        settings.remove("camel.management.enabled");
        settings.put("presence.db.password", SECRET); // the embedded MariaDB accepts any password
        settings.put("presence.consumers", "4");
        settings.put("presence.routes-dir", Path.of("routes").toAbsolutePath().toString());
        settings.put("presence.log-format", "json");
        int port = freePort();
        settings.put("presence.management.port", String.valueOf(port));
        settings.remove("camel.main.shutdown-timeout"); // the shipped value
        settings.remove("presence.sqs.wait-time-seconds");
        HistoryGenerator generator = new HistoryGenerator(7L);
        List<ReferenceModel.Event> history = generator.history(400, 5, "ep-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        HttpClient http = HttpClient.newHttpClient();

        try (TestQueues queues = new TestQueues()) {
            long started = System.nanoTime();
            try (ServiceProcess service = ServiceProcess.start(ServiceProcess.entrypointCommand(), settings, "entrypoint-it")) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                                .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                double readySeconds = (System.nanoTime() - started) / 1e9;

                queues.send(QUEUE, deliveries);
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> queues.depth(QUEUE)[0] < deliveries.size() / 2);
                String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                long rssKb = service.peakRssKb();

                long sigterm = System.nanoTime();
                int exit = service.terminate(35);
                double stopSeconds = (System.nanoTime() - sigterm) / 1e9;

                System.out.printf("entrypoint: ready after %.1f s, peak RSS %d MiB under load, stopped %.1f s after SIGTERM (exit %d)%n",
                        readySeconds, rssKb / 1024, stopSeconds, exit);
                assertThat(exit).as("exited within ECS's 30 s stopTimeout").isIn(0, 143);
                assertThat(stopSeconds).isLessThan(30);
                assertThat(metrics).contains("presence_events_total", "presence_event_lag_seconds", "hikaricp_connections_active",
                        "presence_sqs_requests_total");
                String output = service.output();
                assertThat(output).doesNotContain(SECRET);
                ObjectMapper json = new ObjectMapper();
                for (String line : output.split("\n")) {
                    assertThat(json.readTree(line).isObject()).as(line).isTrue();
                }
            }
            // what the stopped instance had not finished is still on the queue: a new instance completes it
            try (PresenceBroker next = new PresenceBroker(TestServices.settings(QUEUE, DLQ, 5)).start()) {
                queues.awaitDrained(QUEUE, Duration.ofSeconds(120));
            }
            assertThat(SocketStatusRow.readAll()).isEqualTo(model.socketStatus());
            assertThat(queues.drain(DLQ)).isEmpty();
        }
    }
}
