package io.presencebroker.delivery;

import io.presencebroker.mqtt.MqttPublisher;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.net.ssl.SSLHandshakeException;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestCertificates;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.presencebroker.testing.SocketStatusRow.subscribed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The service against a broker that, like AWS IoT Core, takes only mutual-TLS connections from clients whose
 * certificate it trusts ({@code ssl://}, the client certificate and key as PEM text, as ECS passes them from Secrets
 * Manager): both MQTT connections of the service, the lifecycle subscription and the delivery publisher, work with the
 * {@code presence.mqtt.client-certificate}, {@code presence.mqtt.client-key} and {@code presence.mqtt.ssl.trust-store*}
 * settings; a client with a certificate the broker does not trust is refused, and so is a broker whose certificate the
 * service's trust store does not hold, so the TLS settings are really used both ways.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttTlsTest extends ServiceTestSupport {

    static final String EVENTS = "tls-test-events";
    static final String DLQ = "tls-test-events-dlq";
    static final String OUTBOX = "tls-test-outbox";
    static final String PUSH = "tls-test-push";
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static TestCertificates certs;
    static EmbeddedMqtt mqtt;
    static Map<String, String> serviceSettings;
    final TestQueues queues = new TestQueues();

    @Override
    protected Map<String, String> settings() {
        certs = TestCertificates.create();
        mqtt = EmbeddedMqtt.start(new EmbeddedMqtt.TlsListener(certs.brokerKeyStore(), certs.password(),
                certs.brokerTrustStore(), certs.password()));
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        TestServices.get().createQueues(OUTBOX, OUTBOX + "-dlq");
        TestServices.get().createQueues(PUSH, PUSH + "-dlq");
        s.put("presence.mqtt.broker-url", mqtt.tlsBrokerUrl());
        // the client certificate and key as PEM text, as ECS passes them from Secrets Manager (AWS IoT's PKCS#1 key)
        s.put("presence.mqtt.client-certificate", certs.clientCertificatePem());
        s.put("presence.mqtt.client-key", certs.clientKeyPem(true));
        s.put("presence.mqtt.ssl.trust-store", certs.clientTrustStore().toString());
        s.put("presence.mqtt.ssl.trust-store-password", certs.password());
        s.put("presence.mqtt.lifecycle.enabled", "true");
        s.put("presence.mqtt.lifecycle.client-id", "presence-broker-tls-test");
        s.put("presence.delivery.enabled", "true");
        s.put("presence.outbox-queue", OUTBOX);
        s.put("presence.push-queue", PUSH);
        serviceSettings = Map.copyOf(s);
        return s;
    }

    @AfterAll
    void stopBroker() {
        queues.close();
        context.stop();
        mqtt.close();
    }

    @Test
    void lifecycleEventsArriveAndMessagesAreDeliveredOverMutualTls() throws Exception {
        TestServices.clearDatabase();
        long t = System.currentTimeMillis() - 60_000;
        mqtt.publishAsBroker("$aws/events/presence/connected/tia", EventJson.connected("tia", t, "t1", 1));
        mqtt.publishAsBroker("$aws/events/subscriptions/subscribed/tia",
                EventJson.subscription("subscribed", "tia", t + 1, "t1", List.of("app/tia/chat/5")));
        Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> assertThat(SocketStatusRow.readAll())
                .containsExactly(subscribed("tia", "5", "app/tia/chat/5")));

        MqttPublisher publisher = context.hasService(MqttPublisher.class);
        Awaitility.await().atMost(TIMEOUT).until(publisher::isConnected);
        try (MqttTestClient tia = new MqttTestClient(mqtt.brokerUrl(), "tia", "app/tia/chat/5")) {
            queues.send(OUTBOX, OutboxJson.message("m-tls", "5", "sam", List.of("tia"), "over tls"));
            Awaitility.await().atMost(TIMEOUT).until(() -> tia.received().size() == 1);
            assertThat(tia.payloads()).singleElement().asString().contains("over tls");
        }
        queues.awaitDrained(OUTBOX, TIMEOUT);
        assertThat(queues.drain(PUSH)).isEmpty();
    }

    @Test
    void aClientWhoseCertificateTheBrokerDoesNotTrustIsRefused() throws Exception {
        Properties ssl = new Properties();
        ssl.setProperty("com.ibm.ssl.keyStore", certs.otherClientKeyStore().toString());
        ssl.setProperty("com.ibm.ssl.keyStorePassword", certs.password());
        ssl.setProperty("com.ibm.ssl.keyStoreType", "PKCS12");
        ssl.setProperty("com.ibm.ssl.trustStore", certs.clientTrustStore().toString());
        ssl.setProperty("com.ibm.ssl.trustStorePassword", certs.password());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSSLProperties(ssl);
        options.setConnectionTimeout(10);
        MqttClient stranger = new MqttClient(mqtt.tlsBrokerUrl(), "stranger", new MemoryPersistence());
        try {
            assertThatThrownBy(() -> stranger.connect(options)).isInstanceOf(MqttException.class);
        } finally {
            stranger.close(true);
        }
    }

    /**
     * An impostor at a broker's address: a real broker with a certificate valid for 127.0.0.1 that the service's trust
     * store does not hold (it would take the service's client certificate). The service's TLS settings (the
     * {@code mqttSslProperties} both its MQTT connections are made with) refuse it in the handshake, so nothing is
     * published to it; the same settings connect to the trusted broker. And the service pointed at it does not start:
     * its lifecycle subscription is refused.
     */
    @Test
    void aBrokerWhoseCertificateIsNotInTheTrustStoreIsRefused() throws Exception {
        Properties ssl = context.getRegistry().lookupByNameAndType("mqttSslProperties", Properties.class);
        assertThat(ssl).containsEntry("com.ibm.ssl.trustStore", certs.clientTrustStore().toString());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSSLProperties(ssl);
        options.setConnectionTimeout(10);
        try (EmbeddedMqtt impostor = EmbeddedMqtt.start(new EmbeddedMqtt.TlsListener(certs.otherBrokerKeyStore(),
                certs.password(), certs.brokerTrustStore(), certs.password()))) {
            MqttClient trusted = new MqttClient(mqtt.tlsBrokerUrl(), "trust-check", new MemoryPersistence());
            try {
                trusted.connect(options);
                assertThat(trusted.isConnected()).as("the trusted broker, same settings").isTrue();
                trusted.disconnect();
            } finally {
                trusted.close(true);
            }

            MqttClient client = new MqttClient(impostor.tlsBrokerUrl(), "impostor-check", new MemoryPersistence());
            try {
                assertThatThrownBy(() -> client.connect(options)).isInstanceOf(MqttException.class)
                        .satisfies(MqttTlsTest::refusedForTheBrokersCertificate);
                MqttMessage message = new MqttMessage("to the impostor".getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                assertThatThrownBy(() -> client.publish("app/tia/chat/5", message)).isInstanceOf(MqttException.class)
                        .hasMessageContaining("not connected");
            } finally {
                client.close(true);
            }

            TestServices.get().createQueues(OUTBOX + "-impostor", OUTBOX + "-impostor-dlq");
            Map<String, String> settings = new HashMap<>(serviceSettings);
            settings.putAll(TestServices.settings(EVENTS + "-impostor", DLQ + "-impostor"));
            settings.put("presence.outbox-queue", OUTBOX + "-impostor");
            settings.put("presence.mqtt.broker-url", impostor.tlsBrokerUrl());
            settings.put("presence.mqtt.lifecycle.client-id", "presence-broker-impostor-test");
            PresenceBroker service = new PresenceBroker(settings);
            try {
                assertThatThrownBy(service::start).satisfies(MqttTlsTest::refusedForTheBrokersCertificate);
            } finally {
                service.close();
            }
        }
    }

    /**
     * The TLS handshake failed on the broker's certificate: no path to what the trust store holds (the impostor's has
     * the trusted broker's name, so a path is found and its signature check fails).
     */
    static void refusedForTheBrokersCertificate(Throwable e) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable t = e; t != null && !causes.contains(t); t = t.getCause()) {
            causes.add(t);
        }
        assertThat(causes).as("causes of %s", e).anyMatch(t -> t instanceof SSLHandshakeException)
                .anyMatch(t -> t instanceof CertPathValidatorException || t instanceof CertPathBuilderException);
    }
}
