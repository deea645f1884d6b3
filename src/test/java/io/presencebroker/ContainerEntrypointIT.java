package io.presencebroker;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** ENTRYPOINT + CMD of the Dockerfile, with the image's paths mapped to this checkout. */
    static List<String> entrypointCommand() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        List<String> command = new ArrayList<>(jsonArray(dockerfile, "ENTRYPOINT"));
        command.addAll(jsonArray(dockerfile, "CMD"));
        assertThat(command.get(0)).isEqualTo("java");
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // outside a container the JVM would size itself from the host's memory: give it the task's 512 MiB
        command.add(1, "-XX:MaxRAM=512m");
        command.replaceAll(arg -> arg.equals("/app/presence-broker.jar")
                ? Path.of("target", "presence-broker.jar").toAbsolutePath().toString() : arg);
        return command;
    }

    static List<String> jsonArray(String dockerfile, String instruction) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(\\[.*])\\s*$").matcher(dockerfile);
        assertThat(m.find()).as(instruction + " in exec form").isTrue();
        return List.of(new ObjectMapper().readValue(m.group(1), String[].class));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
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
        ReferenceModel model = new ReferenceModel();
        history.forEach(model::apply);
        List<String> deliveries = generator.deliveries(history);
        HttpClient http = HttpClient.newHttpClient();

        try (TestQueues queues = new TestQueues()) {
            long started = System.nanoTime();
            try (ServiceProcess service = ServiceProcess.start(entrypointCommand(), settings, "entrypoint-it")) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                                .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                double readySeconds = (System.nanoTime() - started) / 1e9;

                queues.send(QUEUE, deliveries);
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> queues.depth(QUEUE)[0] < deliveries.size() / 2);
                String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                long rssKb = peakRssKb(service.pid());

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
