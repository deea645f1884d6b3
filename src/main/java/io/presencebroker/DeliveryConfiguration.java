package io.presencebroker;

import io.presencebroker.sqs.SqsBatchAcknowledger;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.delivery.DeliveryLog;
import io.presencebroker.delivery.DeliveryMessages;
import io.presencebroker.delivery.DeliveryDecision;
import io.presencebroker.delivery.PushSender;
import io.presencebroker.delivery.SocketPublisher;
import io.presencebroker.delivery.MqttPublisher;
import io.presencebroker.delivery.OutboxMessageParser;
import io.presencebroker.delivery.PresenceApiEngine;
import io.presencebroker.api.ReadApi;
import io.presencebroker.mqtt.SessionResumingMqttComponent;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Binds what the delivery, MQTT lifecycle and read-API routes refer to by name (docs/delivery.md). Runs after
 * {@link PresenceConfiguration}, whose data source and meter registry it shares. With delivery off (the default) it
 * binds nothing that connects anywhere; with it on, it refuses to start without the queues and the broker URL.
 */
public class DeliveryConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings props = Settings.of(context.getPropertiesComponent());
        Properties ssl = sslProperties(props);
        context.getRegistry().bind("mqttSslProperties", Properties.class, ssl);
        // camel-paho-mqtt5 whose consumer receives what a persistent session kept while the service was away
        context.addComponent("paho-mqtt5", new SessionResumingMqttComponent());
        if (props.isTrue("presence.api.enabled")) {
            context.getComponent("platform-http", PlatformHttpComponent.class)
                    .setEngine(new PresenceApiEngine(props.getInt("presence.api.port")));
            ReadApi.install(context, props);
        }

        if (props.isTrue("presence.mqtt.lifecycle.enabled")) {
            props.require("presence.mqtt.broker-url");
        }
        if (!props.isTrue("presence.delivery.enabled")) {
            return;
        }
        String outbox = props.require("presence.outbox-queue");
        // outbox messages are deleted like the events: in batches, once their exchange completed
        SqsClient sqs = context.getRegistry().lookupByNameAndType("sqsClient", SqsClient.class);
        SqsBatchAcknowledger outboxAcknowledger = new SqsBatchAcknowledger(sqs, outbox, "outboxAcknowledger");
        context.getRegistry().bind("outboxAcknowledger", outboxAcknowledger);
        context.addService(outboxAcknowledger, true, true);
        DataSource dataSource = context.getRegistry().lookupByNameAndType("presenceDataSource", DataSource.class);
        context.getRegistry().bind("outboxMessageParser",
                new OutboxMessageParser(props.getInt("presence.delivery.max-recipients")));
        DeliveryMessages messages = new DeliveryMessages(meterRegistry(context));
        context.getRegistry().bind("deliveryMessages", messages);
        DeliveryLog deliveryLog = new DeliveryLog(dataSource, props.getInt("presence.delivery.claim-timeout-seconds"),
                messages).retention(props.getInt("presence.delivery.log-retention-hours"),
                props.getInt("presence.delivery.log-prune-chunk"));
        context.getRegistry().bind("deliveryLog", deliveryLog);
        context.getRegistry().bind("deliveryDecision", new DeliveryDecision());

        String clientId = props.get("presence.delivery.mqtt.client-id");
        MqttPublisher publisher = new MqttPublisher(props.require("presence.mqtt.broker-url"),
                clientId.isBlank() ? "presence-delivery-" + UUID.randomUUID() : clientId,
                props.get("presence.mqtt.user-name"), props.get("presence.mqtt.password"), ssl,
                props.getLong("presence.delivery.mqtt.publish-timeout-ms"),
                props.getLong("presence.delivery.mqtt.reconnect-ms"));
        context.getRegistry().bind("socketPublisher", new SocketPublisher(publisher.client(), deliveryLog, messages));
        context.getRegistry().bind("pushSender", new PushSender(sqs, props.require("presence.push-queue"), deliveryLog,
                messages));
        context.addService(publisher, true, true);
    }

    /** TLS material for ssl:// broker URLs (AWS IoT: the client certificate in a key store); empty for tcp://. */
    static Properties sslProperties(Settings props) {
        Properties ssl = new Properties();
        put(ssl, "com.ibm.ssl.keyStore", props.get("presence.mqtt.ssl.key-store"));
        put(ssl, "com.ibm.ssl.keyStorePassword", props.get("presence.mqtt.ssl.key-store-password"));
        put(ssl, "com.ibm.ssl.keyStoreType", ssl.isEmpty() ? "" : props.get("presence.mqtt.ssl.key-store-type"));
        put(ssl, "com.ibm.ssl.trustStore", props.get("presence.mqtt.ssl.trust-store"));
        put(ssl, "com.ibm.ssl.trustStorePassword", props.get("presence.mqtt.ssl.trust-store-password"));
        return ssl;
    }

    private static void put(Properties p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.setProperty(key, value);
        }
    }

    private static MeterRegistry meterRegistry(CamelContext context) {
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            registry = context.getRegistry().lookupByNameAndType("presenceMeterRegistry", MeterRegistry.class);
        }
        return registry != null ? registry : new SimpleMeterRegistry();
    }
}
