package io.presencebroker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.presencebroker.testing.SocketStatusRow.connected;
import static io.presencebroker.testing.SocketStatusRow.disconnected;
import static io.presencebroker.testing.SocketStatusRow.subscribed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real application (camel-main, the YAML routes of routes/, the declared settings) against embedded ElasticMQ
 * and a real MariaDB: one test per AWS event type with the documented payload shapes, and the dead-letter path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleEventsRouteTest extends ServiceTestSupport {

    static final String QUEUE = "route-test-events";
    static final String DLQ = "route-test-events-dlq";
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final TestQueues queues = new TestQueues();

    @Override
    protected Map<String, String> settings() {
        return TestServices.settings(QUEUE, DLQ);
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        queues.drain(DLQ);
    }

    @AfterAll
    void closeQueues() {
        queues.close();
    }

    PresenceMetrics metrics() {
        return context.getRegistry().lookupByNameAndType("presenceMetrics", PresenceMetrics.class);
    }

    static String fixture(String name) throws IOException {
        try (InputStream in = LifecycleEventsRouteTest.class.getResourceAsStream("/fixtures/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    void deliver(String... bodies) {
        queues.send(QUEUE, bodies);
        queues.awaitDrained(QUEUE, TIMEOUT);
    }

    @Test
    void routesAreLoadedFromTheRoutesFolder() {
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId())
                .contains("lifecycle-events", "dead-letter");
        assertThat(context.getRoute("lifecycle-events").getSourceLocation()).startsWith("file:routes/");
    }

    @Test
    void theLifecycleRouteHasNoPerRouteTimersAndTheOtherRoutesKeepTheirs() throws Exception {
        deliver(fixture("connected.json"), "not json");
        io.micrometer.core.instrument.MeterRegistry registry = io.presencebroker.metrics.Meters.of(context);
        assertThat(registry.getMeters()).extracting(m -> m.getId().getTag("routeId")).contains("dead-letter")
                .doesNotContain("lifecycle-events");
        queues.drain(DLQ);
    }

    @Test
    void theLifecycleRouteHasNoCamelErrorHandlerItsConsumerDealsWithFailures() {
        assertThat(errorHandlers("lifecycle-events")).isNotEmpty().allMatch(h -> h.equals("NoErrorHandler"));
        assertThat(errorHandlers("dead-letter")).contains("DefaultErrorHandler");
    }

    /** The error handler of each step of a route (its channels), by simple class name ("none": no channel handler). */
    java.util.List<String> errorHandlers(String routeId) {
        java.util.List<String> found = new java.util.ArrayList<>();
        java.util.Deque<org.apache.camel.Navigate<org.apache.camel.Processor>> todo = new java.util.ArrayDeque<>();
        todo.add(context.getRoute(routeId).navigate());
        while (!todo.isEmpty()) {
            org.apache.camel.Navigate<org.apache.camel.Processor> n = todo.pop();
            if (n.next() == null) {
                continue;
            }
            for (org.apache.camel.Processor p : n.next()) {
                if (p instanceof org.apache.camel.Channel channel) {
                    found.add(channel.getErrorHandler() == null ? "none"
                            : channel.getErrorHandler().getClass().getSimpleName());
                }
                if (p instanceof org.apache.camel.Navigate<?> more) {
                    @SuppressWarnings("unchecked")
                    org.apache.camel.Navigate<org.apache.camel.Processor> typed =
                            (org.apache.camel.Navigate<org.apache.camel.Processor>) more;
                    todo.add(typed);
                }
            }
        }
        return found;
    }

    @Test
    void connectedEventMakesTheClientConnected() throws Exception {
        deliver(fixture("connected.json"));

        assertThat(SocketStatusRow.readAll()).containsExactly(connected("user-1042"));
    }

    @Test
    void subscribedEventStoresEveryChatTopicAndIgnoresOtherTopics() throws Exception {
        double ignoredBefore = metrics().value("subscribed", "ignored_topic");

        deliver(fixture("connected.json"), fixture("subscribed.json"));

        assertThat(SocketStatusRow.readAll()).containsExactly(
                subscribed("user-1042", "17", "app/user-1042/chat/17"),
                subscribed("user-1042", "general", "app/user-1042/chat/general"));
        assertThat(metrics().value("subscribed", "ignored_topic") - ignoredBefore).isEqualTo(1.0);
    }

    @Test
    void unsubscribedEventRemovesThatChatOnly() throws Exception {
        deliver(fixture("connected.json"), fixture("subscribed.json"), fixture("unsubscribed.json"));

        assertThat(SocketStatusRow.readAll()).containsExactly(
                subscribed("user-1042", "general", "app/user-1042/chat/general"));
    }

    @Test
    void disconnectedEventMakesTheClientDisconnectedWithNoChats() throws Exception {
        deliver(fixture("connected.json"), fixture("subscribed.json"), fixture("disconnected.json"));

        assertThat(SocketStatusRow.readAll()).containsExactly(disconnected("user-1042"));
        try (var c = TestServices.connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT disconnect_reason, version_number, session_id FROM client_presence")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("MQTT_KEEP_ALIVE_TIMEOUT");
            assertThat(rs.getLong(2)).isEqualTo(7);
            assertThat(rs.getString(3)).isEqualTo("00000000-0000-0000-0000-0000000a1b2c");
        }
    }

    @Test
    void connectFailedChangesNothingAndIsCounted() throws Exception {
        double before = metrics().value("connect_failed", "ignored");

        deliver(fixture("connect_failed.json"));

        assertThat(SocketStatusRow.readAll()).isEmpty();
        assertThat(metrics().value("connect_failed", "ignored") - before).isEqualTo(1.0);
        assertThat(queues.drain(DLQ)).isEmpty();
    }

    @Test
    void unknownButWellFormedEventTypeIsCountedNotDeadLettered() throws Exception {
        double before = metrics().value("other", "ignored");

        deliver("{\"clientId\":\"user-1\",\"timestamp\":1764151200000,\"eventType\":\"session_resumed\"}");

        assertThat(metrics().value("other", "ignored") - before).isEqualTo(1.0);
        assertThat(queues.drain(DLQ)).isEmpty();
    }

    @Test
    void base64BodyFromTheRuleUseBase64OptionIsApplied() throws Exception {
        String base64 = Base64.getEncoder().encodeToString(fixture("connected.json").getBytes(StandardCharsets.UTF_8));

        deliver(base64);

        assertThat(SocketStatusRow.readAll()).containsExactly(connected("user-1042"));
    }

    @Test
    void staleDisconnectOfTheKickedConnectionAfterReconnectIsIgnored() throws Exception {
        long t = 1764151200000L;
        deliver(EventJson.connected("kim", t, "s-old", 3),
                EventJson.connected("kim", t + 60_000, "s-new", 4),
                EventJson.subscription("subscribed", "kim", t + 61_000, "s-new", List.of("app/kim/chat/9")),
                EventJson.disconnected("kim", t + 60_500, "s-old", 3, "DUPLICATE_CLIENTID"));

        assertThat(SocketStatusRow.readAll()).containsExactly(subscribed("kim", "9", "app/kim/chat/9"));
    }

    @Test
    void reconnectAfterVersionResetIsNewNotStale() throws Exception {
        long t = 1764151200000L;
        deliver(EventJson.connected("lee", t, "s-1", 12),
                EventJson.disconnected("lee", t + 1_000, "s-1", 12, "CONNECTION_LOST"));
        deliver(EventJson.connected("lee", t + 2 * 3_600_000, "s-2", 0));

        assertThat(SocketStatusRow.readAll()).containsExactly(connected("lee"));
    }

    @Test
    void subscriptionsOfAnEarlierSessionDoNotCount() throws Exception {
        long t = 1764151200000L;
        deliver(EventJson.connected("max", t, "s-1", 1),
                EventJson.subscription("subscribed", "max", t + 10, "s-1", List.of("app/max/chat/1")),
                EventJson.disconnected("max", t + 20, "s-1", 1, "CONNECTION_LOST"),
                EventJson.connected("max", t + 30, "s-2", 2));

        assertThat(SocketStatusRow.readAll()).containsExactly(connected("max"));
    }

    @Test
    void sqlMetacharactersAreStoredVerbatim() throws Exception {
        String client = "o'brien\"; DROP TABLE client_presence; --";
        String topic = "app/o'b/chat/x'); DELETE FROM client_subscription; --";
        long t = 1764151200000L;
        deliver(EventJson.connected(client, t, "s'1", 1),
                EventJson.subscription("subscribed", client, t + 1, "s'1", List.of(topic)));

        assertThat(SocketStatusRow.readAll()).containsExactly(
                subscribed(client, "x'); DELETE FROM client_subscription; --", topic));
    }

    @Test
    void invalidInputIsDeadLetteredWithItsReasonAndValidEventsAroundItAreApplied() throws Exception {
        long t = 1764151200000L;
        List<String> invalid = List.of(
                "not json at all",
                "{\"clientId\":\"a\",\"timestamp\":1,\"eventType\":\"connected\"",
                "[1,2,3]",
                "{\"timestamp\":1764151200000,\"eventType\":\"connected\",\"sessionIdentifier\":\"s\",\"versionNumber\":1}",
                "{\"clientId\":\"" + "x".repeat(129) + "\",\"timestamp\":1,\"eventType\":\"connected\"}",
                "{\"clientId\":\"a\",\"timestamp\":\"yesterday\",\"eventType\":\"connected\"}",
                "{\"clientId\":\"a\",\"timestamp\":1764151200000,\"eventType\":\"connected\",\"sessionIdentifier\":\"s\",\"versionNumber\":\"7\"}",
                "{\"clientId\":\"a\",\"timestamp\":1764151200000,\"eventType\":\"subscribed\",\"sessionIdentifier\":\"s\",\"topics\":\"app/a/chat/1\"}",
                "{\"clientId\":\"a\",\"timestamp\":1764151200000,\"eventType\":\"subscribed\",\"sessionIdentifier\":\"s\",\"topics\":[1]}",
                fixture("iot-rule-error-action.json"));
        List<String> reasons = List.of("not valid JSON", "not valid JSON", "not a JSON object",
                "clientId is missing", "clientId is longer than 128", "timestamp is not a number",
                "versionNumber is not a number", "topics is not an array", "topics[0] is not a string",
                "timestamp is missing");
        List<String> all = new java.util.ArrayList<>();
        all.add(EventJson.connected("val", t, "s-v", 1));
        all.addAll(invalid);
        all.add(EventJson.subscription("subscribed", "val", t + 5, "s-v", List.of("app/val/chat/5")));

        deliver(all.toArray(String[]::new));

        assertThat(SocketStatusRow.readAll()).containsExactly(subscribed("val", "5", "app/val/chat/5"));
        List<TestQueues.DeadLetter> dead = queues.drain(DLQ);
        assertThat(dead).extracting(TestQueues.DeadLetter::body).containsExactlyInAnyOrderElementsOf(invalid);
        for (int i = 0; i < invalid.size(); i++) {
            String body = invalid.get(i);
            TestQueues.DeadLetter letter = dead.stream().filter(d -> d.body().equals(body)).findFirst().orElseThrow();
            assertThat(letter.attributes())
                    .containsEntry("errorType", "InvalidEventException")
                    .containsEntry("failedRouteId", "lifecycle-events")
                    .containsEntry("receiveCount", "1")
                    .containsKeys("failedAt", "originalMessageId");
            assertThat(letter.attributes().get("errorMessage")).as(body).contains(reasons.get(i));
        }
    }
}
