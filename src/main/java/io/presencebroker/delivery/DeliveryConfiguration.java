package io.presencebroker.delivery;

import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.failure.Retries;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.metrics.Meters;
import io.presencebroker.mqtt.SessionResumingMqttComponent;
import io.presencebroker.sqs.PolledQueueConsumer.PollSettings;
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

    @BindToRegistry(lazy = true)
    public OutboxMessageParser outboxMessageParser(@PropertyInject("presence.delivery.max-recipients") int maxRecipients) {
        return new OutboxMessageParser(maxRecipients);
    }

    @BindToRegistry(lazy = true)
    public DeliveryMessages deliveryMessages(CamelContext context) {
        return new DeliveryMessages(Meters.of(context));
    }

    @BindToRegistry(lazy = true)
    public DeliveryLog deliveryLog(CamelContext context, @BeanInject("presenceDataSource") DataSource dataSource,
                                   @BeanInject("failurePolicy") FailurePolicy failures,
                                   @PropertyInject("presence.delivery.claim-timeout-seconds") int claimTimeout,
                                   @PropertyInject("presence.delivery.log-retention-hours") int retentionHours,
                                   @PropertyInject("presence.delivery.log-prune-chunk") int pruneChunk,
                                   PresenceFreshness freshness) {
        DeliveryLog log = new DeliveryLog(dataSource, claimTimeout, failures).retention(retentionHours, pruneChunk)
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

    /**
     * The component of the delivery route's consumer, {@code outbox:QUEUE}: it owns the poll's protocol (parse, claim,
     * status, publish, push, record, delete).
     */
    @BindToRegistry(value = OutboxComponent.SCHEME, lazy = true)
    public OutboxComponent outbox(CamelContext context, SqsClient sqs, OutboxMessageParser parser, DeliveryLog log,
                                  @BeanInject("presenceDataSource") DataSource dataSource, MqttPublisher mqtt,
                                  DeliveryReceipts receipts, DeliveryMessages messages,
                                  @BeanInject("failurePolicy") FailurePolicy failures,
                                  @PropertyInject("presence.push-queue") String pushQueue,
                                  @PropertyInject("presence.delivery.consumers") int consumers,
                                  @PropertyInject("presence.sqs.max-messages-per-poll") int max,
                                  @PropertyInject("presence.sqs.wait-time-seconds") int wait,
                                  @PropertyInject("presence.retry.max-redeliveries") int maxRedeliveries,
                                  @PropertyInject("presence.retry.delay-ms") long delay,
                                  @PropertyInject("presence.retry.max-delay-ms") long maxDelay) {
        Retries retries = new Retries(maxRedeliveries, delay, maxDelay);
        return new OutboxComponent(sqs, new OutboxComponent.Parts(parser, log, dataSource,
                new SocketPublisher(mqtt, messages), new PushSender(sqs, pushQueue, messages, retries), receipts,
                messages, failures, new DeadLetterSender(context), retries,
                // one receive in flight per consumer thread: a poll is what a thread works on
                new PollSettings(consumers, consumers, max, wait)));
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
