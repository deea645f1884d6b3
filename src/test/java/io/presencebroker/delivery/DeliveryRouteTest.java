package io.presencebroker.delivery;

import io.presencebroker.mqtt.MqttPublisher;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery route on a real MQTT 5 broker (embedded HiveMQ CE), real queues (ElasticMQ) and a real MariaDB: the
 * socket status comes from lifecycle events sent through the events queue, the chat apps are real MQTT clients, and
 * every assertion reads the push queue, what the clients received, or the delivery log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryRouteTest extends ServiceTestSupport {

    static final String EVENTS = "delivery-test-events";
    static final String DLQ = "delivery-test-events-dlq";
    static final String OUTBOX = "delivery-test-outbox";
    static final String PUSH = "delivery-test-push";
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final int OUTBOX_VISIBILITY_SECONDS = 5;

    /** Started before the context (configureContext runs in the constructor), closed after it. */
    static EmbeddedMqtt mqtt;
    final TestQueues queues = new TestQueues();
    final List<MqttTestClient> clients = new ArrayList<>();
    long t = System.currentTimeMillis() - 600_000;
    int messageCounter;

    @Override
    protected Map<String, String> settings() {
        mqtt = EmbeddedMqtt.start();
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        // a short visibility timeout: a failed outbox message comes back within the test
        TestServices.get().createQueues(OUTBOX, OUTBOX + "-dlq", OUTBOX_VISIBILITY_SECONDS);
        TestServices.get().createQueues(PUSH, PUSH + "-dlq");
        s.put("presence.delivery.enabled", "true");
        s.put("presence.outbox-queue", OUTBOX);
        s.put("presence.push-queue", PUSH);
        s.put("presence.delivery.consumers", "2");
        s.put("presence.mqtt.broker-url", mqtt.brokerUrl());
        s.put("presence.delivery.mqtt.publish-timeout-ms", "2000");
        s.put("presence.delivery.mqtt.reconnect-ms", "500");
        s.put("presence.delivery.log-prune-interval-ms", "200");
        // presence data older than 3 s is not trusted; the lifecycle consumer's empty receives return every second
        s.put("presence.sqs.wait-time-seconds", "1");
        s.put("presence.delivery.presence-max-lag-ms", "3000");
        // users with several devices: alice:phone and alice:laptop are alice; a client id without a colon is its own user
        s.put("presence.user-id-pattern", "^([^:]+):");
        return s;
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM delivery_log");
        }
        queues.drain(DLQ);
        queues.drain(PUSH);
        clients.forEach(MqttTestClient::close);
        clients.clear();
        if (!mqttPublisher().isConnected()) {
            mqtt.restart();
            Awaitility.await().atMost(TIMEOUT).until(() -> mqttPublisher().isConnected());
        }
    }

    @AfterAll
    void stopBrokerAndQueues() {
        clients.forEach(MqttTestClient::close);
        queues.close();
        context.stop();
        mqtt.close();
        mqtt = null;
    }

    MqttPublisher mqttPublisher() {
        return context.hasService(MqttPublisher.class);
    }

    DeliveryMessages metrics() {
        return context.getRegistry().lookupByNameAndType("deliveryMessages", DeliveryMessages.class);
    }

    /** A chat app: connected (lifecycle events through SQS) and subscribed to its topics, with a real MQTT client. */
    MqttTestClient online(String clientId, String... topics) throws Exception {
        String session = "s-" + clientId;
        queues.send(EVENTS, EventJson.connected(clientId, t, session, 1),
                EventJson.subscription("subscribed", clientId, t + 1, session, List.of(topics)));
        MqttTestClient client = new MqttTestClient(mqtt.brokerUrl(), clientId, topics);
        clients.add(client);
        return client;
    }

    void offline(String clientId) {
        queues.send(EVENTS, EventJson.connected(clientId, t, "s-" + clientId, 1),
                EventJson.disconnected(clientId, t + 5, "s-" + clientId, 1, "CONNECTION_LOST"));
    }

    String send(String chatId, String sender, String... recipients) {
        String id = "m-" + (++messageCounter) + "-" + System.nanoTime();
        send(OutboxJson.message(id, chatId, sender, List.of(recipients), "hello " + id));
        return id;
    }

    void send(String body) {
        queues.awaitDrained(EVENTS, TIMEOUT);
        queues.send(OUTBOX, body);
        queues.awaitDrained(OUTBOX, TIMEOUT);
    }

    List<JsonNode> pushRequests() throws Exception {
        List<JsonNode> pushes = new ArrayList<>();
        for (TestQueues.DeadLetter m : queues.drain(PUSH)) {
            pushes.add(JSON.readTree(m.body()));
        }
        return pushes;
    }

    static List<String> recipients(List<JsonNode> pushes) {
        return pushes.stream().map(p -> p.get("recipient").asText()).sorted().toList();
    }

    List<String> deliveryLog(String messageId) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT recipient, state, path FROM delivery_log WHERE message_id = '"
                     + messageId + "' ORDER BY recipient")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getString(3));
            }
        }
        return rows;
    }

    @Test
    void routesAreLoadedWhenDeliveryIsEnabled() {
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId())
                .contains("delivery")
                .doesNotContain("lifecycle-events-mqtt", "presence-api");
    }

    @Test
    void subscribedRecipientGetsThePayloadOverMqttAndTheOthersGetPushRequests() throws Exception {
        MqttTestClient alice = online("alice", "app/alice/chat/7");
        MqttTestClient sam = online("sam", "app/sam/chat/7");
        MqttTestClient carol = online("carol", "app/carol/chat/8");
        offline("bob");
        double socketBefore = metrics().value("socket");
        double pushBefore = metrics().value("push");

        String id = send("7", "sam", "alice", "bob", "carol", "dave", "sam");

        Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 1);
        MqttTestClient.Received got = alice.received().get(0);
        assertThat(got.topic()).isEqualTo("app/alice/chat/7");
        assertThat(JSON.readTree(got.payload())).isEqualTo(JSON.readTree(
                "{\"messageId\":\"" + id + "\",\"from\":\"sam\",\"text\":\"hello " + id + "\"}"));
        assertThat(got.properties().getContentType()).isEqualTo("application/json");
        List<JsonNode> pushes = pushRequests();
        assertThat(recipients(pushes)).containsExactly("bob", "carol", "dave");
        JsonNode bob = pushes.stream().filter(p -> p.get("recipient").asText().equals("bob")).findFirst().orElseThrow();
        assertThat(bob.get("messageId").asText()).isEqualTo(id);
        assertThat(bob.get("chatId").asText()).isEqualTo("7");
        assertThat(bob.get("title").asText()).isEqualTo("New message from sam");
        assertThat(bob.get("body").asText()).isEqualTo("hello " + id);
        assertThat(sam.received()).isEmpty();
        assertThat(carol.received()).isEmpty();
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket", "bob:delivered:push",
                "carol:delivered:push", "dave:delivered:push");
        assertThat(metrics().value("socket") - socketBefore).isEqualTo(1.0);
        assertThat(metrics().value("push") - pushBefore).isEqualTo(3.0);
    }

    /**
     * The lifecycle consumer stops (a deploy, a suspended consumer): a "connected" in the store may be a client that
     * is gone, so a connected recipient gets the publish and a push (path stale); once it receives again, only the
     * publish.
     */
    @Test
    void whilePresenceMayBeStaleAConnectedRecipientGetsThePublishAndAPush() throws Exception {
        MqttTestClient alice = online("alice", "app/alice/chat/9");
        offline("bob");
        queues.awaitDrained(EVENTS, TIMEOUT);
        PresenceFreshness freshness = context.getRegistry().lookupByNameAndType("presenceFreshness", PresenceFreshness.class);
        Awaitility.await().atMost(TIMEOUT).until(freshness::trusted);
        double staleBefore = metrics().value("stale");
        double socketBefore = metrics().value("socket");

        context.getRouteController().stopRoute("lifecycle-events");
        String stale;
        try {
            Awaitility.await().atMost(TIMEOUT).until(() -> !freshness.trusted());
            stale = send("9", "bob", "alice");
            Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 1);
            assertThat(recipients(pushRequests())).as("alice's push beside the publish").containsExactly("alice");
            assertThat(deliveryLog(stale)).containsExactly("alice:delivered:stale");
            assertThat(metrics().value("stale") - staleBefore).isEqualTo(1.0);
            assertThat(metrics().value("socket") - socketBefore).isEqualTo(1.0);
        } finally {
            context.getRouteController().startRoute("lifecycle-events");
        }

        Awaitility.await().atMost(TIMEOUT).until(freshness::trusted);
        String fresh = send("9", "bob", "alice");
        Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 2);
        assertThat(pushRequests()).isEmpty();
        assertThat(deliveryLog(fresh)).containsExactly("alice:delivered:socket");
    }

    @Test
    void aUserWithOneDeviceSubscribedAndOneOfflineGetsOnePublishAndNoPush() throws Exception {
        MqttTestClient laptop = online("alice:laptop", "app/alice-laptop/chat/7");
        offline("alice:phone");

        String id = send("7", "sam", "alice");

        Awaitility.await().atMost(TIMEOUT).until(() -> laptop.received().size() == 1);
        assertThat(laptop.received().get(0).topic()).isEqualTo("app/alice-laptop/chat/7");
        assertThat(pushRequests()).isEmpty();
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket");
    }

    @Test
    void everyDeliverableDeviceOfAUserGetsThePublishOnTheTopicItSubscribed() throws Exception {
        MqttTestClient phone = online("alice:phone", "app/alice-phone/chat/7");
        MqttTestClient laptop = online("alice:laptop", "app/alice-laptop/chat/7");
        MqttTestClient tab = online("alice:tab", "app/alice-tab/chat/8");

        String id = send("7", "sam", "alice");

        Awaitility.await().atMost(TIMEOUT).until(() -> phone.received().size() == 1 && laptop.received().size() == 1);
        assertThat(phone.received().get(0).topic()).isEqualTo("app/alice-phone/chat/7");
        assertThat(pushRequests()).isEmpty();
        assertThat(tab.received()).isEmpty();
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket");
    }

    @Test
    void aUserWithNoDeliverableDeviceGetsOnePush() throws Exception {
        offline("bob:phone");
        offline("bob:tab");
        MqttTestClient laptop = online("bob:laptop", "app/bob-laptop/chat/other");

        String id = send("7", "sam", "bob");

        assertThat(recipients(pushRequests())).containsExactly("bob");
        assertThat(laptop.received()).isEmpty();
        assertThat(deliveryLog(id)).containsExactly("bob:delivered:push");
    }

    @Test
    void theSendersOtherDevicesGetThePublishAndTheSenderNoPush() throws Exception {
        MqttTestClient phone = online("sam:phone", "app/sam-phone/chat/7");
        MqttTestClient laptop = online("sam:laptop", "app/sam-laptop/chat/7");
        offline("alice:phone");

        String id = "m-sync-" + System.nanoTime();
        send(OutboxJson.message(id, "7", "sam", "sam:phone", List.of("alice"), "in sync"));

        Awaitility.await().atMost(TIMEOUT).until(() -> laptop.received().size() == 1);
        assertThat(recipients(pushRequests())).containsExactly("alice");
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:push", "sam:delivered:socket");
        String marker = send("7", "alice", "sam");
        Awaitility.await().atMost(TIMEOUT).until(() -> phone.payloads().stream().anyMatch(p -> p.contains(marker)));
        assertThat(phone.payloads()).noneMatch(p -> p.contains("in sync"));
    }

    @Test
    void aSenderWithNoOtherDeliverableDeviceGetsNothing() throws Exception {
        online("sam:phone", "app/sam-phone/chat/7");
        offline("sam:laptop");

        String id = "m-alone-" + System.nanoTime();
        send(OutboxJson.message(id, "7", "sam", "sam:phone", List.of("dave"), "nobody else"));

        assertThat(recipients(pushRequests())).containsExactly("dave");
        assertThat(deliveryLog(id)).containsExactly("dave:delivered:push", "sam:delivered:none");
    }

    @Test
    void aTopicSharedBySeveralRecipientsIsPublishedOnce() throws Exception {
        online("erin", "app/room/chat/team");
        online("frank", "app/room/chat/team");
        MqttTestClient listener = new MqttTestClient(mqtt.brokerUrl(), "listener", "app/room/chat/team");
        clients.add(listener);

        String id = send("team", "gina", "erin", "frank");

        Awaitility.await().atMost(TIMEOUT).until(() -> listener.received().size() >= 1);
        String marker = send("team", "gina", "erin");
        Awaitility.await().atMost(TIMEOUT).until(() -> listener.payloads().stream().anyMatch(p -> p.contains(marker)));
        assertThat(listener.payloads().stream().filter(p -> p.contains(id))).hasSize(1);
        assertThat(pushRequests()).isEmpty();
        assertThat(deliveryLog(id)).containsExactly("erin:delivered:socket", "frank:delivered:socket");
    }

    @Test
    void aRedeliveredOutboxMessageChangesNothing() throws Exception {
        MqttTestClient alice = online("alice", "app/alice/chat/7");
        offline("bob");
        String body = OutboxJson.message("m-twice", "7", "sam", List.of("alice", "bob"), "once only");
        send(body);
        Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 1);
        assertThat(recipients(pushRequests())).containsExactly("bob");
        List<String> log = deliveryLog("m-twice");

        send(body);
        send(body);
        String marker = send("7", "sam", "alice");

        Awaitility.await().atMost(TIMEOUT).until(() -> alice.payloads().stream().anyMatch(p -> p.contains(marker)));
        assertThat(alice.payloads().stream().filter(p -> p.contains("once only"))).hasSize(1);
        assertThat(pushRequests()).isEmpty();
        assertThat(deliveryLog("m-twice")).isEqualTo(log);
    }

    @Test
    void withTheBrokerStoppedEveryRecipientGetsAPushRequest() throws Exception {
        online("alice", "app/alice/chat/7");
        online("erin", "app/room/chat/7");
        offline("bob");
        queues.awaitDrained(EVENTS, TIMEOUT);
        double fallbackBefore = metrics().value("fallback");
        mqtt.stop();
        Awaitility.await().atMost(TIMEOUT).until(() -> !mqttPublisher().isConnected());

        String id = send("7", "sam", "alice", "bob", "erin");

        assertThat(recipients(pushRequests())).containsExactly("alice", "bob", "erin");
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:fallback", "bob:delivered:push",
                "erin:delivered:fallback");
        assertThat(metrics().value("fallback") - fallbackBefore).isEqualTo(2.0);
        assertThat(queues.drain(DLQ)).isEmpty();
    }

    /** DELETE statements the database server has executed so far (all sessions). */
    static long deleteStatements() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_delete'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    void aMessageDeliveredToEveryRecipientReleasesNoClaimAndCostsNoDeleteStatement() throws Exception {
        MqttTestClient alice = online("alice", "app/alice/chat/7");
        offline("bob");
        queues.awaitDrained(EVENTS, TIMEOUT);
        context.getRouteController().suspendRoute("delivery-log-retention"); // its DELETEs would count too
        try {
            long before = deleteStatements();

            String id = send("7", "sam", "alice", "bob");

            Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 1);
            assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket", "bob:delivered:push");
            assertThat(deleteStatements() - before).isZero();
        } finally {
            context.getRouteController().resumeRoute("delivery-log-retention");
        }
    }

    @Test
    void aMessageWhosePushesFailedIsDeliveredByItsRedeliveryWithoutPublishingAgain() throws Exception {
        MqttTestClient alice = online("alice", "app/alice/chat/7");
        offline("bob");
        queues.awaitDrained(EVENTS, TIMEOUT);
        queues.delete(PUSH);
        String id = "m-push-outage";
        try {
            queues.send(OUTBOX, OutboxJson.message(id, "7", "sam", List.of("alice", "bob"), "through the outage"));

            // the socket side is delivered and recorded; the push failed (retried, then left on the queue, not
            // deleted) and the claim for bob was released, so that the redelivery delivers it
            Awaitility.await().atMost(TIMEOUT).until(() -> alice.received().size() == 1);
            Awaitility.await().atMost(TIMEOUT).untilAsserted(() ->
                    assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket"));
        } finally {
            TestServices.get().createQueues(PUSH, PUSH + "-dlq");
        }

        List<JsonNode> pushes = new ArrayList<>();
        Awaitility.await().atMost(TIMEOUT).until(() -> {
            pushes.addAll(pushRequests());
            return !pushes.isEmpty();
        });
        queues.awaitDrained(OUTBOX, TIMEOUT);
        assertThat(recipients(pushes)).containsExactly("bob");
        assertThat(deliveryLog(id)).containsExactly("alice:delivered:socket", "bob:delivered:push");
        assertThat(alice.payloads()).singleElement().asString().contains("through the outage");
        assertThat(queues.drain(DLQ)).isEmpty();
    }

    @Test
    void deliveryLogRowsOlderThanTheRetentionAreDeletedByTheRetentionRoute() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO delivery_log (message_id, recipient, state, claim_id, path, updated_at) VALUES"
                    + " ('m-old', 'alice', 'delivered', 'x', 'push', NOW(3) - INTERVAL 15 DAY),"
                    + " ('m-old', 'bob', 'claimed', 'x', NULL, NOW(3) - INTERVAL 337 HOUR),"
                    + " ('m-recent', 'alice', 'delivered', 'y', 'push', NOW(3) - INTERVAL 335 HOUR)");
        }

        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(deliveryLog("m-old")).isEmpty());
        assertThat(deliveryLog("m-recent")).containsExactly("alice:delivered:push");
    }

    @Test
    void invalidOutboxMessagesAreDeadLetteredWithTheirReason() throws Exception {
        List<String> invalid = List.of("not json",
                "{\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":[\"a\"],\"payload\":{},\"push\":{\"title\":\"t\"}}",
                "{\"messageId\":\"m\",\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":\"a\",\"payload\":{},\"push\":{\"title\":\"t\"}}",
                "{\"messageId\":\"m\",\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":[\"a\"],\"push\":{\"title\":\"t\"}}",
                // text the push queue would refuse, written as JSON escapes (the outbox message itself is plain ASCII)
                "{\"messageId\":\"m2\",\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":[\"a\",\"b\"],\"payload\":{},"
                        + "\"push\":{\"title\":\"t\",\"body\":\"hi \\uFFFF\"}}",
                "{\"messageId\":\"m3\",\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":[\"a\"],\"payload\":{},"
                        + "\"push\":{\"title\":\"\\uFFFE\"}}",
                "{\"messageId\":\"m4\",\"chatId\":\"7\",\"senderId\":\"s\",\"recipients\":[\"a\"],\"payload\":{},"
                        + "\"push\":{\"title\":\"t\",\"body\":\"\\uD800 alone\"}}");
        List<String> reasons = List.of("not valid JSON", "messageId is missing", "recipients is not an array",
                "payload is missing", "push.body contains U+FFFF, which SQS refuses", "push.title contains U+FFFE",
                "push.body is not valid Unicode (unpaired surrogate)");
        queues.send(OUTBOX, invalid);
        queues.awaitDrained(OUTBOX, TIMEOUT);

        List<TestQueues.DeadLetter> dead = queues.drain(DLQ);
        assertThat(dead).extracting(TestQueues.DeadLetter::body).containsExactlyInAnyOrderElementsOf(invalid);
        for (int i = 0; i < invalid.size(); i++) {
            String body = invalid.get(i);
            TestQueues.DeadLetter letter = dead.stream().filter(d -> d.body().equals(body)).findFirst().orElseThrow();
            assertThat(letter.attributes()).containsEntry("errorType", "InvalidEventException")
                    .containsEntry("failedRouteId", "delivery");
            assertThat(letter.attributes().get("errorMessage")).contains(reasons.get(i));
        }
        assertThat(pushRequests()).isEmpty();
    }
}
