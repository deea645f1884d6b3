package io.presencebroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.RouteFiles;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does to the shipped routes: edits that the header of routes/lifecycle-events.yaml allows keep the
 * rest of the state exact; edits that remove wiring, or rename and move routes, either keep the behaviour or fail the
 * start with a message that names what is missing.
 */
class OperatorRouteEditTest {

    static final String QUEUE = "operator-edit-events";
    static final String DLQ = "operator-edit-events-dlq";

    @TempDir
    Path routes;

    @Test
    void aFilterInFrontOfTheRouterDropsTheLoadTestClientsAndEverythingElseStaysExact() throws Exception {
        copyRoutes(RouteFiles::dropLoadTestClients);
        HistoryGenerator generator = new HistoryGenerator(20261202L);
        List<ReferenceModel.Event> kept = generator.history(6, 3, "user-");
        List<ReferenceModel.Event> dropped = generator.history(4, 2, "loadtest-");
        List<ReferenceModel.Event> all = new ArrayList<>(kept);
        all.addAll(dropped);

        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings()).start(); TestQueues queues = new TestQueues()) {
            queues.send(QUEUE, generator.deliveries(all));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            List<SocketStatusRow> rows = SocketStatusRow.readAll();
            assertThat(rows).isEqualTo(ReferenceModel.of(kept).socketStatus());
            assertThat(rows).noneMatch(r -> r.clientId().startsWith("loadtest-"));
            assertThat(queues.depth(DLQ)[0]).isZero();
        }
    }

    @Test
    void renamedRoutesMovedToAnotherFileKeepTheBehaviour() throws Exception {
        copyRoutes(yaml -> yaml.replace("id: lifecycle-events-sqs", "id: events-from-sqs")
                .replace("id: lifecycle-events-router", "id: my-router"));
        // the router, moved to a file of its own
        Path file = routes.resolve("lifecycle-events.yaml");
        String yaml = Files.readString(file);
        int router = yaml.indexOf("# The content-based router");
        int single = yaml.indexOf("# One event from the MQTT source");
        Files.writeString(routes.resolve("my-router.yaml"), yaml.substring(router, single));
        Files.writeString(file, yaml.substring(0, router) + yaml.substring(single));

        HistoryGenerator generator = new HistoryGenerator(7L);
        List<ReferenceModel.Event> history = generator.history(5, 3, "moved-");
        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings()).start(); TestQueues queues = new TestQueues()) {
            assertThat(broker.context().getRoute("my-router").getSourceLocation()).contains("my-router.yaml");
            queues.send(QUEUE, generator.deliveries(history));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            assertThat(SocketStatusRow.readAll()).isEqualTo(ReferenceModel.of(history).socketStatus());
        }
    }

    @Test
    void removingTheBatchStepFailsTheStartNamingIt() throws Exception {
        copyRoutes(yaml -> yaml.replace("        - process:\n            ref: lifecycleBatch\n", ""));
        assertThatThrownBy(() -> new PresenceBroker(settings()).start().close())
                .hasStackTraceContaining("never reaches the step `process: {ref: lifecycleBatch}`")
                .hasStackTraceContaining("lifecycle-events-sqs");
    }

    @Test
    void removingTheAcknowledgerFailsTheStartNamingIt() throws Exception {
        copyRoutes(yaml -> yaml.replace("routePolicy: databaseCircuitBreaker,eventsAcknowledger",
                "routePolicy: databaseCircuitBreaker"));
        assertThatThrownBy(() -> new PresenceBroker(settings()).start().close())
                .hasStackTraceContaining("without routePolicy eventsAcknowledger");
    }

    @Test
    void theAcknowledgerOnAnotherRouteFailsTheStartNamingBoth() throws Exception {
        copyRoutes(yaml -> yaml.replace("    id: lifecycle-events-router\n",
                "    id: lifecycle-events-router\n    routePolicy: eventsAcknowledger\n"));
        assertThatThrownBy(() -> new PresenceBroker(settings()).start().close())
                .hasStackTraceContaining("routePolicy eventsAcknowledger deletes the messages of SQS queue " + QUEUE)
                .hasStackTraceContaining("route lifecycle-events-router");
    }

    private Map<String, String> settings() {
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.routes-dir", routes.toString());
        return settings;
    }

    private void copyRoutes(UnaryOperator<String> lifecycleEdit) throws IOException {
        RouteFiles.copy(routes, lifecycleEdit);
    }
}
