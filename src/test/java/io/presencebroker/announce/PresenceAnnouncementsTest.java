package io.presencebroker.announce;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.delivery.MqttTestClient;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.AnnouncementLog;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The presence-announcements flow on real ElasticMQ, MariaDB and an MQTT 5 broker (embedded HiveMQ CE): lifecycle
 * events through the events queue, announcements read off the announcements queue and an MQTT subscription to
 * presence/#. Users with several devices ({@code ^([^:]+):}), a short debounce so that the tests wait little.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceAnnouncementsTest extends ServiceTestSupport {

    static final String EVENTS = "announce-test-events";
    static final String DLQ = "announce-test-events-dlq";
    static final String ANNOUNCEMENTS = "announce-test-announcements";
    static final long DEBOUNCE_MS = 1500;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddedMqtt mqtt;
    final TestQueues queues = new TestQueues();
    final AnnouncementLog announcements = new AnnouncementLog(queues, ANNOUNCEMENTS);
    MqttTestClient listener;
    long t = System.currentTimeMillis() - 600_000;

    @Override
    protected Map<String, String> settings() {
        // a Receive Maximum of 3: a look's publishes in flight together would exceed it, unless the service's MQTT
        // connection keeps within it
        mqtt = EmbeddedMqtt.startWithReceiveMaximum(3);
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        TestServices.get().createQueues(ANNOUNCEMENTS, ANNOUNCEMENTS + "-dlq");
        s.put("presence.user-id-pattern", "^([^:]+):");
        s.put("presence.announcements.enabled", "true");
        s.put("presence.offline-debounce-ms", String.valueOf(DEBOUNCE_MS));
        s.put("presence.offline-debounce-unclean-ms", String.valueOf(DEBOUNCE_MS));
        s.put("presence.announcements.queue", ANNOUNCEMENTS);
        s.put("presence.announcements.mqtt.enabled", "true");
        s.put("presence.mqtt.broker-url", mqtt.brokerUrl());
        // longer than any wait here: a claim held back by a failed send would only go out again after the test failed
        s.put("presence.announcements.claim-seconds", "120");
        return s;
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        announcements.all();
        if (listener == null) {
            listener = new MqttTestClient(mqtt.brokerUrl(), "announcement-listener", "presence/#");
        }
    }

    @AfterAll
    void stop() {
        listener.close();
        queues.close();
        context.stop();
        mqtt.close();
    }

    void connect(String clientId, long at) {
        connect(clientId, at, 1);
    }

    /** A new connection: AWS counts versionNumber up with each connection of a client id. */
    void connect(String clientId, long at, long version) {
        queues.send(EVENTS, EventJson.connected(clientId, at, "s-" + clientId + at, version));
    }

    void disconnect(String clientId, long connectedAt, long at) {
        queues.send(EVENTS, EventJson.disconnected(clientId, at, "s-" + clientId + connectedAt, 1, "CONNECTION_LOST"));
    }

    @Test
    void onlineIsAnnouncedAtOnceOnTheQueueAndOnTheUsersMqttTopic() throws Exception {
        connect("ann:phone", t);

        AnnouncementLog.Received online = announcements.await("ann", 1, TIMEOUT).get(0);
        assertThat(withoutSequence(online.message())).isEqualTo(JSON.readTree(
                "{\"userId\":\"ann\",\"online\":true,\"at\":" + t + ",\"clientsOnline\":1}"));
        assertThat(online.message().get("sequence").asLong()).isPositive();
        Awaitility.await().atMost(TIMEOUT).until(() -> listener.received().stream()
                .anyMatch(r -> r.topic().equals("presence/ann")));
        MqttTestClient.Received overMqtt = listener.received().stream()
                .filter(r -> r.topic().equals("presence/ann")).findFirst().orElseThrow();
        assertThat(JSON.readTree(overMqtt.payload())).isEqualTo(online.message());
    }

    @Test
    void aFlapInsideTheWindowAnnouncesNothing() throws Exception {
        connect("bea:phone", t);
        announcements.await("bea", 1, TIMEOUT);

        disconnect("bea:phone", t, t + 10);
        Awaitility.await().atMost(TIMEOUT).until(() ->
                "announced=online, sending=null, pending=offline".equals(AnnouncementLog.row("bea")));
        connect("bea:phone", t + 900, 2);
        // back before the window ended: the pending offline is gone, so nothing about bea can be announced any more
        Awaitility.await().atMost(TIMEOUT).until(() ->
                "announced=online, sending=null, pending=null".equals(AnnouncementLog.row("bea")));
        assertThat(announcements.of("bea")).extracting(AnnouncementLog.Received::online).containsExactly(true);
    }

    @Test
    void aLongerAbsenceIsAnnouncedOnceAsOfflineAfterTheDebounce() throws Exception {
        connect("cal:phone", t);
        announcements.await("cal", 1, TIMEOUT);

        long sent = System.currentTimeMillis();
        disconnect("cal:phone", t, t + 50);

        List<AnnouncementLog.Received> both = announcements.await("cal", 2, TIMEOUT);
        AnnouncementLog.Received offline = both.get(1);
        assertThat(withoutSequence(offline.message())).isEqualTo(JSON.readTree(
                "{\"userId\":\"cal\",\"online\":false,\"at\":" + (t + 50) + ",\"clientsOnline\":0}"));
        assertThat(offline.message().get("sequence").asLong()).as("after the online's")
                .isGreaterThan(both.get(0).message().get("sequence").asLong());
        assertThat(offline.receivedAtMillis() - sent).isGreaterThanOrEqualTo(DEBOUNCE_MS);
        Awaitility.await().atMost(TIMEOUT).until(() ->
                "announced=offline, sending=null, pending=null".equals(AnnouncementLog.row("cal")));
        assertThat(announcements.of("cal")).hasSize(2);
    }

    @Test
    void aUserIsOnlineWhileAnyOfItsDevicesIsAndOfflineOnceNoneIs() throws Exception {
        connect("dan:phone", t);
        connect("dan:laptop", t + 5);
        Awaitility.await().atMost(TIMEOUT).until(() ->
                "announced=online, sending=null, pending=null".equals(AnnouncementLog.row("dan")));
        queues.awaitDrained(EVENTS, TIMEOUT);

        disconnect("dan:laptop", t + 5, t + 20);
        queues.awaitDrained(EVENTS, TIMEOUT);
        assertThat(AnnouncementLog.row("dan")).isEqualTo("announced=online, sending=null, pending=null");

        disconnect("dan:phone", t, t + 30);
        List<AnnouncementLog.Received> all = announcements.await("dan", 2, TIMEOUT);
        assertThat(all).extracting(AnnouncementLog.Received::online).containsExactly(true, false);
        assertThat(all.get(1).message().get("at").asLong()).isEqualTo(t + 30);
    }

    @Test
    void aBurstOfTransitionsGoesOutOnTheQueueAndOverMqttEachOnce() throws Exception {
        // claims of 50: the queue's five batches of 10 go out together, the MQTT publishes in flight together within
        // the broker's Receive Maximum, 3 here (a publish refused past it would hold the claim back for
        // presence.announcements.claim-seconds, 120 s here)
        int users = 200;
        List<String> connects = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            connects.add(EventJson.connected("burst" + i + ":phone", t, "s-burst" + i, 1));
        }
        queues.send(EVENTS, connects);

        Awaitility.await().atMost(TIMEOUT).until(() -> mqttTopics("presence/burst").size() >= users);
        assertThat(mqttTopics("presence/burst")).doesNotHaveDuplicates().hasSize(users);
        Awaitility.await().atMost(TIMEOUT).until(() -> announcements.userIdsStartingWith("burst").size() >= users);
        assertThat(announcements.userIdsStartingWith("burst")).doesNotHaveDuplicates().hasSize(users);
    }

    /** The topics of the MQTT announcements received so far that start with {@code prefix}, one per message. */
    List<String> mqttTopics(String prefix) {
        return listener.received().stream().map(MqttTestClient.Received::topic).filter(t -> t.startsWith(prefix))
                .toList();
    }

    /** The announcement without its sequence number (increasing per user, at least the claim's time in ms). */
    static JsonNode withoutSequence(JsonNode message) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = message.deepCopy();
        copy.remove("sequence");
        return copy;
    }
}
