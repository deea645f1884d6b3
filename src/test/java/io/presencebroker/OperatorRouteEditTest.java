package io.presencebroker;

import io.presencebroker.metrics.PresenceMetrics;
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

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.RouteFiles;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does to the shipped routes: a filter in front of the router keeps the rest of the state exact; a
 * renamed route in another file keeps the behaviour; consumer options in the route, or no route from the events queue,
 * fail the start with a message that names them; a route whose branches decide nothing changes nothing and loses
 * nothing (the consumer, not the route, acknowledges).
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
    void aRenamedRouteMovedToAnotherFileKeepsTheBehaviour() throws Exception {
        copyRoutes(yaml -> yaml.replace("id: lifecycle-events\n", "id: events-from-sqs\n"));
        Files.move(routes.resolve("lifecycle-events.yaml"), routes.resolve("my-events.yaml"));

        HistoryGenerator generator = new HistoryGenerator(7L);
        List<ReferenceModel.Event> history = generator.history(5, 3, "moved-");
        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings()).start(); TestQueues queues = new TestQueues()) {
            assertThat(broker.context().getRoute("events-from-sqs").getSourceLocation()).contains("my-events.yaml");
            queues.send(QUEUE, generator.deliveries(history));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            assertThat(SocketStatusRow.readAll()).isEqualTo(ReferenceModel.of(history).socketStatus());
        }
    }

    @Test
    void consumerOptionsInTheRouteFailTheStartNamingThem() throws Exception {
        copyRoutes(yaml -> yaml.replace("uri: lifecycle-events:{{presence.events-queue}}",
                "uri: lifecycle-events:{{presence.events-queue}}?deleteAfterRead=true"));
        assertThatThrownBy(() -> new PresenceBroker(settings()).start().close())
                .hasStackTraceContaining("takes no options in a route ([deleteAfterRead])");
    }

    @Test
    void withoutTheLifecycleRouteTheStartFailsNamingIt() throws Exception {
        copyRoutes(yaml -> yaml.replace("uri: lifecycle-events:{{presence.events-queue}}", "uri: direct:events"));
        assertThatThrownBy(() -> new PresenceBroker(settings()).start().close())
                .hasStackTraceContaining("no route consumes lifecycle-events:" + QUEUE);
    }

    @Test
    void aRouteWhoseBranchesReturnNoRowChangesChangesNothingAndLosesNothing() throws Exception {
        // an edit that drops the router's steps: every event is dropped (counted), deleted, and nothing is written
        copyRoutes(yaml -> yaml.substring(0, yaml.indexOf("        # the content-based router")));
        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings()).start(); TestQueues queues = new TestQueues()) {
            queues.send(QUEUE, EventJson.connected("undecided-1", System.currentTimeMillis(), "s", 1));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            PresenceMetrics metrics = broker.context().getRegistry().lookupByNameAndType("presenceMetrics",
                    PresenceMetrics.class);
            assertThat(metrics.value("connected", "dropped")).isEqualTo(1);
            assertThat(SocketStatusRow.readAll()).isEmpty();
            assertThat(queues.depth(DLQ)[0]).isZero();
        }
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
