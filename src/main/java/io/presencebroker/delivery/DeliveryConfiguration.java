package io.presencebroker.delivery;


import java.util.UUID;

import javax.sql.DataSource;

import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.failure.Retries;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.metrics.Meters;
import io.presencebroker.mqtt.MqttPublisher;
import io.presencebroker.mqtt.SessionResumingMqttComponent;
import io.presencebroker.sqs.PolledQueueConsumer.PollSettings;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.sqs.SqsRequestMetrics;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
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

    /** The MQTT lifecycle source's client ids: this prefix and a random part, unique per instance. */
    public static final String LIFECYCLE_CLIENT_PREFIX = "presence-lifecycle-";

    @Override
    public void configure(CamelContext context) {
        // camel-paho-mqtt5 whose consumer receives what a persistent session kept while the service was away
        SessionResumingMqttComponent mqtt = new SessionResumingMqttComponent();
        Settings props = Settings.of(context.getPropertiesComponent());
        // one client id per instance under a fixed prefix: every task of a service has the same settings, and two
        // connections with one id take the session from each other, again and again with automatic reconnect
        String clientId = props.get("presence.mqtt.lifecycle.client-id");
        mqtt.getConfiguration().setClientId(clientId.isBlank() ? LIFECYCLE_CLIENT_PREFIX + UUID.randomUUID() : clientId);
        // the broker login is the component's, not the route's: a route file names no secret (check-routes' policy)
        String userName = props.get("presence.mqtt.user-name");
        if (!userName.isBlank()) {
            mqtt.getConfiguration().setUserName(userName);
            mqtt.getConfiguration().setPassword(props.get("presence.mqtt.password"));
        }
        context.addComponent("paho-mqtt5", mqtt);
        if (props.isTrue("presence.delivery.enabled") && props.isTrue("presence.delivery.receipts.enabled")) {
            // the receipts route long-polls through camel-aws2-sqs: a client whose calls may last the wait (the
            // service's own client gives every call presence.sqs.call-timeout-ms, which a long poll exceeds)
            SqsClient longPolls = SqsClients.createForLongPolls(props, 2,
                    ContextServices.bean(context, "sqsRequestMetrics", SqsRequestMetrics.class));
            ContextServices.closeOnStop(context, longPolls);
            context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration().setAmazonSQSClient(longPolls);
        }
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
                                   @PropertyInject("presence.delivery.log-prune-chunk") int pruneChunk) {
        DeliveryLog log = new DeliveryLog(dataSource, claimTimeout, failures).retention(retentionHours, pruneChunk);
        ContextServices.closeOnStop(context, log);
        return log;
    }

    @BindToRegistry(lazy = true)
    public DeliveryDecision deliveryDecision() {
        return new DeliveryDecision();
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
                                  @BeanInject("failurePolicy") FailurePolicy failures, PresenceFreshness freshness,
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
                messages, failures, new DeadLetterSender(context), retries, freshness,
                // one receive in flight per consumer thread: a poll is what a thread works on
                new PollSettings(consumers, consumers, max, wait)));
    }
}
