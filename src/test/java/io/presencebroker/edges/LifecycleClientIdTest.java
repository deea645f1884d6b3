package io.presencebroker.edges;

import java.time.Duration;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two tasks with the MQTT lifecycle source on and the same settings (as every task of one ECS service has), against a
 * real MQTT 5 broker: each connects with a client id of its own under the fixed prefix an IoT policy can match, so
 * they do not take each other's session over (DUPLICATE_CLIENTID, in a loop with automatic reconnect), and each
 * receives the events: with one id, one persistent session, only the one connected at the time would.
 */
class LifecycleClientIdTest {

    static final String EVENTS = "lifecycle-client-id-events";
    static final String DLQ = "lifecycle-client-id-events-dlq";

    @Test
    void everyTaskHasAClientIdOfItsOwnUnderTheFixedPrefix() throws Exception {
        TestServices.clearDatabase();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            Map<String, String> settings = TestServices.settings(EVENTS, DLQ);
            settings.put("presence.mqtt.lifecycle.enabled", "true");
            settings.put("presence.mqtt.broker-url", mqtt.brokerUrl());
            try (PresenceBroker one = new PresenceBroker(settings).start();
                 PresenceBroker two = new PresenceBroker(settings).start()) {
                String first = clientId(one);
                String second = clientId(two);
                assertThat(first).startsWith("presence-lifecycle-");
                assertThat(second).startsWith("presence-lifecycle-").isNotEqualTo(first);

                long t = System.currentTimeMillis() - 60_000;
                mqtt.publishAsBroker("$aws/events/presence/connected/ida", EventJson.connected("ida", t, "i-1", 1));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> received(one) == 1 && received(two) == 1);
            }
        }
    }

    static String clientId(PresenceBroker broker) {
        return ((PahoMqtt5Endpoint) broker.context().getRoute("lifecycle-events-mqtt").getEndpoint())
                .getConfiguration().getClientId();
    }

    /** Connected events this instance applied or found already applied (both instances apply the same event). */
    static double received(PresenceBroker broker) {
        PresenceMetrics metrics = broker.context().getRegistry().lookupByNameAndType("presenceMetrics", PresenceMetrics.class);
        return metrics.value("connected", "applied") + metrics.value("connected", "stale")
                + metrics.value("connected", "duplicate");
    }
}
