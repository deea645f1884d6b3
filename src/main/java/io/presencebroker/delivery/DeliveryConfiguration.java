package io.presencebroker.delivery;

import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import io.presencebroker.delivery.DeliveryDecision;
import io.presencebroker.delivery.DeliveryLog;
import io.presencebroker.delivery.DeliveryMessages;
import io.presencebroker.delivery.MqttPublisher;
import io.presencebroker.delivery.OutboxMessageParser;
import io.presencebroker.delivery.PushSender;
import io.presencebroker.delivery.SocketPublisher;
import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.metrics.Meters;
import io.presencebroker.mqtt.SessionResumingMqttComponent;
import io.presencebroker.sqs.SqsBatchAcknowledger;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The beans of the delivery and MQTT lifecycle routes (docs/delivery.md), made lazily, when a route that is switched
 * on asks for them: with delivery off (the default) nothing of delivery is made. (The settings these flows need are
 * declared required with their switches in settings.yaml.)
 */
public class DeliveryConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        // camel-paho-mqtt5 whose consumer receives what a persistent session kept while the service was away
        context.addComponent("paho-mqtt5", new SessionResumingMqttComponent());
    }

    /** TLS material for ssl:// broker URLs (AWS IoT: the client certificate in a key store); empty for tcp://. */
    @BindToRegistry(lazy = true)
    public Properties mqttSslProperties(CamelContext context) {
        return sslProperties(Settings.of(context.getPropertiesComponent()));
    }

    /** Outbox messages are deleted like the events: in batches, once their exchange completed. */
    @BindToRegistry(lazy = true)
    public SqsBatchAcknowledger outboxAcknowledger(CamelContext context, SqsClient sqs,
                                                   @PropertyInject("presence.outbox-queue") String outbox) {
        SqsBatchAcknowledger acknowledger = new SqsBatchAcknowledger(sqs, outbox, "outboxAcknowledger");
        ContextServices.addService(context, acknowledger);
        return acknowledger;
    }

    @BindToRegistry(lazy = true)
    public OutboxMessageParser outboxMessageParser(@PropertyInject("presence.delivery.max-recipients") int maxRecipients) {
        return new OutboxMessageParser(maxRecipients);
    }

    @BindToRegistry(lazy = true)
    public DeliveryMessages deliveryMessages(CamelContext context) {
        return new DeliveryMessages(Meters.of(context));
    }

    @BindToRegistry(lazy = true)
    public DeliveryLog deliveryLog(CamelContext context, @BeanInject("presenceDataSource") DataSource dataSource, DeliveryMessages messages,
                                   @BeanInject("failurePolicy") FailurePolicy failures,
                                   @PropertyInject("presence.delivery.claim-timeout-seconds") int claimTimeout,
                                   @PropertyInject("presence.delivery.log-retention-hours") int retentionHours,
                                   @PropertyInject("presence.delivery.log-prune-chunk") int pruneChunk,
                                   PresenceFreshness freshness) {
        DeliveryLog log = new DeliveryLog(dataSource, claimTimeout, messages, failures).retention(retentionHours, pruneChunk)
                .freshness(freshness);
        ContextServices.closeOnStop(context, log);
        return log;
    }

    @BindToRegistry(lazy = true)
    public DeliveryDecision deliveryDecision() {
        return new DeliveryDecision();
    }

    /** The MQTT connection deliveries are published on; started and stopped with the context. */
    @BindToRegistry(lazy = true)
    public MqttPublisher mqttPublisher(CamelContext context, @BeanInject("mqttSslProperties") Properties ssl) {
        Settings props = Settings.of(context.getPropertiesComponent());
        String clientId = props.get("presence.delivery.mqtt.client-id");
        MqttPublisher publisher = new MqttPublisher(props.require("presence.mqtt.broker-url"),
                clientId.isBlank() ? "presence-delivery-" + UUID.randomUUID() : clientId,
                props.get("presence.mqtt.user-name"), props.get("presence.mqtt.password"), ssl,
                props.getLong("presence.delivery.mqtt.publish-timeout-ms"),
                props.getLong("presence.delivery.mqtt.reconnect-ms"));
        ContextServices.addService(context, publisher);
        return publisher;
    }

    @BindToRegistry(lazy = true)
    public SocketPublisher socketPublisher(MqttPublisher publisher, DeliveryLog deliveryLog, DeliveryMessages messages,
                                           DeliveryReceipts receipts) {
        return new SocketPublisher(publisher.client(), deliveryLog, messages, receipts);
    }

    /** Receipts of socket deliveries (off unless presence.delivery.receipts.enabled): docs/delivery.md. */
    @BindToRegistry(lazy = true)
    public DeliveryReceipts deliveryReceipts(@BeanInject("presenceDataSource") DataSource dataSource, SqsClient sqs,
                                             DeliveryMessages messages,
                                             @PropertyInject("presence.delivery.receipts.enabled") boolean enabled,
                                             @PropertyInject("presence.delivery.receipt-timeout-ms") long timeout,
                                             @PropertyInject("presence.delivery.receipts.batch-size") int batchSize,
                                             @PropertyInject("presence.push-queue") String pushQueue) {
        return new DeliveryReceipts(enabled, dataSource, timeout, batchSize, sqs, pushQueue, messages);
    }

    @BindToRegistry(lazy = true)
    public PushSender pushSender(SqsClient sqs, @PropertyInject("presence.push-queue") String pushQueue,
                                 DeliveryLog deliveryLog, DeliveryMessages messages) {
        return new PushSender(sqs, pushQueue, deliveryLog, messages);
    }

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
}
