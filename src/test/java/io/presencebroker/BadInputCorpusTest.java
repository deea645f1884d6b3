package io.presencebroker;

import io.presencebroker.metrics.PresenceMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More than forty kinds of bad input through the real queue and routes, each between two valid events: every bad
 * one ends in the dead-letter queue with a clear reason or is counted as ignored (where the spec says so), no
 * crash, every valid event applied, SQL metacharacters stored verbatim.
 */
class BadInputCorpusTest {

    static final String QUEUE = "corpus-events";
    static final String DLQ = "corpus-events-dlq";
    static final long T = 1_764_151_200_000L;

    static String event(String fields) {
        return "{" + fields + "}";
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** body -> the reason the dead-letter queue must give. */
    static Map<String, String> deadLettered() {
        String base = "\"clientId\":\"bad\",\"timestamp\":" + T + ",";
        String conn = base + "\"sessionIdentifier\":\"s\",\"eventType\":\"connected\",";
        String sub = base + "\"sessionIdentifier\":\"s\",\"eventType\":\"subscribed\",";
        Map<String, String> m = new LinkedHashMap<>();
        m.put(" ", "empty body");
        m.put("not json at all", "not valid JSON");
        m.put("[1,2,3]", "not a JSON object");
        m.put("42", "does not decode to UTF-8");
        m.put("%%%", "not valid JSON");
        m.put("\"a string\"", "not a JSON object");
        m.put("null", "does not decode to UTF-8");
        m.put("{", "not valid JSON");
        m.put("{\"clientId\":\"u\",\"timestamp\":1", "not valid JSON");
        m.put("{}", "clientId is missing");
        m.put(event("\"clientId\":7,\"timestamp\":1,\"eventType\":\"connected\""), "clientId is not a string");
        m.put(event("\"clientId\":\"\",\"timestamp\":1,\"eventType\":\"connected\""), "clientId is empty");
        m.put(event("\"clientId\":[\"a\"],\"timestamp\":1,\"eventType\":\"connected\""), "clientId is not a string");
        m.put(event("\"clientId\":\"" + "c".repeat(129) + "\",\"timestamp\":1,\"eventType\":\"connected\""), "longer than 128");
        m.put(event("\"clientId\":\"" + "k".repeat(10_240) + "\",\"timestamp\":1,\"eventType\":\"connected\""), "longer than 128");
        m.put(event("\"clientId\":\"a\\nb\",\"timestamp\":1,\"eventType\":\"connected\""), "control character");
        m.put(event("\"clientId\":\"a\\u0000b\",\"timestamp\":1,\"eventType\":\"connected\""), "control character");
        m.put(event("\"clientId\":\"a\\tb\",\"timestamp\":1,\"eventType\":\"connected\""), "control character");
        m.put(event("\"clientId\":\"a\\ud800b\",\"timestamp\":1,\"eventType\":\"connected\""), "not valid Unicode");
        m.put(event("\"clientId\":\"u\",\"clientId\":\"v\",\"timestamp\":1,\"eventType\":\"connected\""), "Duplicate field");
        m.put(event("\"clientId\":\"u\",\"timestamp\":\"1764151200000\",\"eventType\":\"connected\""), "timestamp is not a number");
        m.put(event("\"clientId\":\"u\",\"timestamp\":1.5,\"eventType\":\"connected\""), "not a whole number");
        m.put(event("\"clientId\":\"u\",\"timestamp\":1e30,\"eventType\":\"connected\""), "not a whole number");
        m.put(event("\"clientId\":\"u\",\"timestamp\":-5,\"eventType\":\"connected\""), "timestamp is negative");
        m.put(event("\"clientId\":\"u\",\"timestamp\":99999999999999,\"eventType\":\"connected\""), "in the future");
        m.put(event("\"clientId\":\"u\",\"eventType\":\"connected\""), "timestamp is missing");
        m.put(event("\"clientId\":\"u\",\"timestamp\":1"), "eventType is missing");
        m.put(event("\"clientId\":\"u\",\"timestamp\":1,\"eventType\":3"), "eventType is not a string");
        m.put(event("\"clientId\":\"u\",\"timestamp\":1,\"eventType\":null"), "eventType is missing");
        m.put(event(base + "\"eventType\":\"connected\",\"versionNumber\":1"), "sessionIdentifier is missing");
        m.put(event(conn.replace(",\"eventType", ",\"x\":0,\"eventType") + "\"versionNumber\":\"7\""), "versionNumber is not a number");
        m.put(event(conn + "\"versionNumber\":-1"), "versionNumber is negative");
        m.put(event(conn + "\"versionNumber\":1.25"), "not a whole number");
        m.put(event(conn.substring(0, conn.length() - 1)), "versionNumber is missing");
        m.put(event(sub.substring(0, sub.length() - 1)), "topics is missing");
        m.put(event(sub + "\"topics\":\"app/bad/chat/1\""), "topics is not an array");
        m.put(event(sub + "\"topics\":[]"), "topics is empty");
        m.put(event(sub + "\"topics\":[1]"), "topics[0] is not a string");
        m.put(event(sub + "\"topics\":[null]"), "topics[0] is not a string");
        m.put(event(sub + "\"topics\":[\"app/bad/chat/1\",{\"a\":1}]"), "topics[1] is not a string");
        m.put(event(sub + "\"topics\":[\"app/bad/chat/1\\n\"]"), "topics[0] contains a control character");
        m.put(event(sub + "\"topics\":[\"app/bad/chat/" + "t".repeat(300) + "\"]"), "topics[0] is longer than 256");
        m.put(event(base + "\"sessionIdentifier\":\"s\",\"eventType\":\"disconnected\",\"versionNumber\":1,\"disconnectReason\":5"),
                "disconnectReason is not a string");
        m.put(event(base + "\"sessionIdentifier\":\"s\",\"eventType\":\"disconnected\",\"versionNumber\":1,\"disconnectReason\":\""
                + "R".repeat(100) + "\""), "disconnectReason is longer than 64");
        m.put(b64(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0x00, 0x01}), "does not decode to UTF-8");
        m.put(b64(new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}), "does not decode to UTF-8");
        m.put(b64("[1]".getBytes(StandardCharsets.UTF_8)), "does not decode to a JSON object");
        m.put(b64("{\"clientId\":".getBytes(StandardCharsets.UTF_8)), "not valid JSON");
        m.put(event("\"ruleName\":\"presence_lifecycle_to_sqs\",\"topic\":\"$aws/events/presence/connected/u\",\"clientId\":\"u\","
                + "\"base64OriginalPayload\":\"e30=\",\"failures\":[]"), "timestamp is missing");
        m.put(EventJson.connected("trailing", T, "s", 1) + "}}}", "content after its JSON value");
        m.put(EventJson.connected("two-objects", T, "s", 1) + EventJson.connected("two-objects", T, "s", 2),
                "content after its JSON value");
        // 256 KiB: the body is dead-lettered whole (the reason attributes still fit)
        String huge = "{\"clientId\":\"" + "h".repeat(256 * 1024 - 2048) + "\",\"timestamp\":1,\"eventType\":\"connected\"}";
        m.put(huge, "longer than 128");
        return m;
    }

    @Test
    void everyBadInputIsDeadLetteredOrCountedAndEveryValidEventIsApplied() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> bad = deadLettered();
        List<String> ignored = List.of(
                EventJson.connectFailed("ign-1", T, "s"),
                "{\"clientId\":\"ign-2\",\"timestamp\":" + T + ",\"eventType\":\"session_resumed\"}",
                EventJson.subscription("subscribed", "ign-3", T, "s", List.of("app/ign-3/notifications")),
                EventJson.subscription("subscribed", "ign-4", T, "s", List.of("app/ign-4/chat/+", "app/+/chat/1", "#")),
                // other AWS IoT event kinds on $aws/events/ (registry, jobs): an eventId, no clientId
                "{\"eventType\":\"THING_EVENT\",\"eventId\":\"f5ae9b94\",\"timestamp\":" + T + ",\"operation\":\"CREATED\","
                        + "\"accountId\":\"123456789012\",\"thingId\":\"b604f69c\",\"thingName\":\"MyThing\",\"versionNumber\":1,"
                        + "\"thingTypeName\":null,\"attributes\":{}}",
                "{\"eventType\":\"JOB\",\"eventId\":\"7364ffd1\",\"timestamp\":1764151200,\"operation\":\"completed\","
                        + "\"jobId\":\"27450507\",\"status\":\"COMPLETED\"}");
        String sqlClient = "robert'); DROP TABLE client_presence;--";
        String sqlTopic = "app/x/chat/1' OR '1'='1";

        List<String> deliveries = new ArrayList<>();
        List<SocketStatusRow> expected = new ArrayList<>();
        int i = 0;
        List<String> all = new ArrayList<>(bad.keySet());
        all.addAll(ignored);
        for (String body : all) {
            deliveries.add(EventJson.connected("ok-" + i, T + i, "s-" + i, 1));
            expected.add(SocketStatusRow.connected("ok-" + i));
            deliveries.add(body);
            i++;
        }
        deliveries.add(EventJson.connected(sqlClient, T, "s'q", 1));
        deliveries.add(EventJson.subscription("subscribed", sqlClient, T + 1, "s'q", List.of(sqlTopic)));
        expected.add(SocketStatusRow.subscribed(sqlClient, "1' OR '1'='1", sqlTopic));
        expected.sort(SocketStatusRow.ORDER);

        try (PresenceBroker broker = new PresenceBroker(TestServices.settings(QUEUE, DLQ)).start();
             TestQueues queues = new TestQueues()) {
            PresenceMetrics metrics = broker.context().getRegistry().lookupByNameAndType("presenceMetrics", PresenceMetrics.class);

            queues.send(QUEUE, deliveries);
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));

            assertThat(SocketStatusRow.readAll()).isEqualTo(expected);
            List<TestQueues.DeadLetter> dead = queues.drain(DLQ);
            assertThat(dead).extracting(TestQueues.DeadLetter::body).containsExactlyInAnyOrderElementsOf(bad.keySet());
            for (TestQueues.DeadLetter letter : dead) {
                assertThat(letter.attributes()).as(abbreviate(letter.body()))
                        .containsEntry("errorType", "InvalidEventException")
                        .containsKeys("errorMessage", "failedRouteId", "failedAt", "receiveCount");
                assertThat(letter.attributes().get("errorMessage")).as(abbreviate(letter.body()))
                        .contains(bad.get(letter.body()));
            }
            assertThat(metrics.value("connect_failed", "ignored")).isEqualTo(1.0);
            assertThat(metrics.value("other", "ignored")).as("unknown type, THING_EVENT, JOB").isEqualTo(3.0);
            assertThat(metrics.value("subscribed", "ignored_topic")).isEqualTo(4.0);
            assertThat(broker.context().getStatus().isStarted()).as("still running").isTrue();
            System.out.printf("corpus: %d bad kinds dead-lettered with reasons, %d ignored and counted, %d valid applied, lost 0%n",
                    bad.size(), ignored.size(), deliveries.size() - bad.size() - ignored.size());
        }
    }

    static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
