package io.presencebroker.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.lifecycle.LifecycleEvent;
import io.presencebroker.lifecycle.LifecycleEventParser;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TcpProxy;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.presencebroker.testing.SocketStatusRow.connected;
import static io.presencebroker.testing.SocketStatusRow.disconnected;
import static io.presencebroker.testing.SocketStatusRow.subscribed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lifecycle events taken from the MQTT broker's {@code $aws/events/...} topics (published by the broker itself, as AWS
 * IoT Core does) update the socket status exactly as the same events through SQS do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleEventsMqttTest extends ServiceTestSupport {

    static final String EVENTS = "mqtt-test-events";
    static final String DLQ = "mqtt-test-events-dlq";
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static EmbeddedMqtt mqtt;
    static TcpProxy network;
    final TestQueues queues = new TestQueues();

    @Override
    protected Map<String, String> settings() {
        mqtt = EmbeddedMqtt.start();
        network = new TcpProxy(mqtt.port());
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        s.put("presence.mqtt.lifecycle.enabled", "true");
        s.put("presence.mqtt.broker-url", "tcp://127.0.0.1:" + network.port());
        s.put("presence.mqtt.lifecycle.client-id", "presence-broker-lifecycle-test");
        s.put("presence.mqtt.lifecycle.session-expiry-seconds", "300");
        return s;
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        queues.drain(DLQ);
    }

    @AfterAll
    void stopBroker() {
        queues.close();
        context.stop();
        network.close();
        mqtt.close();
        mqtt = null;
    }

    /** The topic AWS IoT publishes an event on: $aws/events/presence/{type}/{clientId} or .../subscriptions/... */
    static String topic(String eventJson) {
        LifecycleEvent e = new LifecycleEventParser(java.time.Clock.systemUTC(), Long.MAX_VALUE / 2).read(eventJson);
        String group = e.isSubscription() ? "subscriptions" : "presence";
        return "$aws/events/" + group + "/" + e.eventType() + "/" + e.clientId();
    }

    void publish(List<String> events) {
        for (String event : events) {
            mqtt.publishAsBroker(topic(event), event);
        }
    }

    static List<String> history() {
        long t = System.currentTimeMillis() - 600_000;
        List<String> events = new ArrayList<>();
        events.add(EventJson.connected("kim", t, "k1", 3));
        events.add(EventJson.subscription("subscribed", "kim", t + 10, "k1",
                List.of("app/kim/chat/1", "app/kim/chat/2", "app/kim/notifications")));
        events.add(EventJson.subscription("unsubscribed", "kim", t + 20, "k1", List.of("app/kim/chat/2")));
        events.add(EventJson.connected("lou", t, "l1", 1));
        events.add(EventJson.subscription("subscribed", "lou", t + 5, "l1", List.of("app/lou/chat/9")));
        events.add(EventJson.disconnected("lou", t + 30, "l1", 1, "CONNECTION_LOST"));
        events.add(EventJson.connected("max", t + 40, "m2", 2));
        events.add(EventJson.disconnected("max", t + 35, "m1", 1, "DUPLICATE_CLIENTID"));
        events.add(EventJson.connectFailed("ned", t, "n1"));
        return events;
    }

    @Test
    void eventsFromTheBrokerUpdateTheSocketStatusExactlyAsTheSameEventsThroughSqs() throws Exception {
        List<String> history = history();
        queues.send(EVENTS, history);
        queues.awaitDrained(EVENTS, TIMEOUT);
        List<SocketStatusRow> throughSqs = SocketStatusRow.readAll();
        assertThat(throughSqs).containsExactly(subscribed("kim", "1", "app/kim/chat/1"), disconnected("lou"),
                connected("max"));
        TestServices.clearDatabase();

        publish(history);

        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(SocketStatusRow.readAll()).isEqualTo(throughSqs));
    }

    @Test
    void invalidEventFromTheBrokerIsDeadLetteredWithItsReason() {
        String invalid = "{\"clientId\":\"kim\",\"timestamp\":\"yesterday\",\"eventType\":\"connected\"}";
        mqtt.publishAsBroker("$aws/events/presence/connected/kim", invalid);

        List<TestQueues.DeadLetter> dead = new ArrayList<>();
        Awaitility.await().atMost(TIMEOUT).until(() -> {
            dead.addAll(queues.drain(DLQ));
            return !dead.isEmpty();
        });
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.body()).isEqualTo(invalid);
            assertThat(d.attributes()).containsEntry("errorType", "InvalidEventException");
            assertThat(d.attributes().get("errorMessage")).contains("timestamp is not a number");
        });
    }

    @Test
    void eventsPublishedWhileTheConnectionIsDownArriveAfterTheReconnect() throws Exception {
        int connections = network.forwardedConnections();
        network.cut();
        long t = System.currentTimeMillis() - 60_000;
        publish(List.of(EventJson.connected("oli", t, "o1", 1),
                EventJson.subscription("subscribed", "oli", t + 1, "o1", List.of("app/oli/chat/3"))));
        assertThat(SocketStatusRow.readAll()).isEmpty();

        network.restore();

        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(SocketStatusRow.readAll())
                .containsExactly(subscribed("oli", "3", "app/oli/chat/3")));
        assertThat(network.forwardedConnections()).isGreaterThan(connections);
        // and the resumed session goes on receiving
        mqtt.publishAsBroker("$aws/events/presence/disconnected/oli",
                EventJson.disconnected("oli", t + 2, "o1", 1, "CLIENT_INITIATED_DISCONNECT"));
        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(SocketStatusRow.readAll())
                .containsExactly(disconnected("oli")));
    }

    @Test
    void aRouteStoppedWhileItsClientIsReconnectingStaysStoppedAndItsSuccessorKeepsTheSession() throws Exception {
        int connections;
        try {
            network.blackhole(); // the connection dies; Paho's reconnect attempt hangs
            Awaitility.await().atMost(TIMEOUT).until(() -> network.heldConnections() > 0);
            context.getRouteController().stopRoute("lifecycle-events-mqtt");
        } finally {
            network.restore();
        }
        connections = network.forwardedConnections();
        // the stopped route's client does not reconnect (Paho would go on trying after a stop)
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> network.forwardedConnections() == connections);

        context.getRouteController().startRoute("lifecycle-events-mqtt");

        assertThat(network.forwardedConnections()).isEqualTo(connections + 1);
        long t = System.currentTimeMillis() - 60_000;
        publish(List.of(EventJson.connected("pia", t, "p1", 1)));
        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(SocketStatusRow.readAll())
                .containsExactly(connected("pia")));
        // and nothing takes the session from the new client
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .until(() -> network.forwardedConnections() == connections + 1);
    }

    @Test
    void eventsPublishedWhileTheServiceIsStoppedArriveWithThePersistentSessionWhenItStartsAgain() throws Exception {
        for (int restart = 1; restart <= 3; restart++) {
            String client = "oli" + restart;
            context.getRouteController().stopRoute("lifecycle-events-mqtt");
            long t = System.currentTimeMillis() - 60_000;
            List<String> events = new ArrayList<>();
            events.add(EventJson.connected(client, t, "o1", 1));
            for (int chat = 1; chat <= 20; chat++) { // more than one event, so that losing some shows
                events.add(EventJson.subscription("subscribed", client, t + chat, "o1",
                        List.of("app/" + client + "/chat/" + chat)));
            }
            publish(events);

            context.getRouteController().startRoute("lifecycle-events-mqtt");

            Awaitility.await("restart " + restart).atMost(TIMEOUT).untilAsserted(() -> assertThat(
                    SocketStatusRow.readAll().stream().filter(r -> r.clientId().equals(client))).hasSize(20));
        }
        assertThat(SocketStatusRow.readAll()).hasSize(60);
    }
}
