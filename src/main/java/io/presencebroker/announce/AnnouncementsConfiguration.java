package io.presencebroker.announce;

import java.util.function.Supplier;

import javax.sql.DataSource;

import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.metrics.Meters;
import io.presencebroker.mqtt.MqttPublisher;
import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The beans of the announcements flow (routes/presence-announcements.yaml, docs/announcements.md), made when the flow
 * is on (the route's precondition) and asks for them. The marks it reads are written by the lifecycle transactions
 * ({@code store/PresenceChangeMarks}).
 */
public class AnnouncementsConfiguration implements CamelConfiguration {

    /** Marked users compared with what was announced: pending announcements. */
    @BindToRegistry(lazy = true)
    public PresenceChanges presenceChanges(@PropertyInject("presence.offline-debounce-ms") long offlineDebounce,
            @PropertyInject("presence.offline-debounce-unclean-ms") long uncleanDebounce) {
        return new PresenceChanges(offlineDebounce, uncleanDebounce);
    }

    /** The steps of the flow around the send. */
    @BindToRegistry(lazy = true)
    public PresenceAnnouncer presenceAnnouncer(CamelContext context,
                                               @BeanInject("presenceDataSource") DataSource dataSource,
                                               PresenceChanges changes,
                                               @PropertyInject("presence.announcements.batch-size") int batchSize,
                                               @PropertyInject("presence.announcements.resolve-batch-size")
                                               int resolveBatchSize,
                                               @PropertyInject("presence.announcements.claim-seconds") int claimSeconds) {
        Settings props = Settings.of(context.getPropertiesComponent());
        ClaimBudget.require(claimSeconds, props.getInt("presence.announcements.send-retries"),
                props.getLong("presence.sqs.call-timeout-ms"),
                props.isTrue("presence.announcements.mqtt.enabled") ? props.getLong("presence.delivery.mqtt.publish-timeout-ms") : 0);
        return new PresenceAnnouncer(dataSource, changes, batchSize, resolveBatchSize, claimSeconds, Meters.of(context));
    }

    /** The flow's MQTT publishes (presence.announcements.mqtt.enabled), through the service's MQTT connection. */
    @BindToRegistry(lazy = true)
    public AnnouncementPublisher announcementPublisher(CamelContext context,
                                                       @PropertyInject("presence.announcements.mqtt.enabled") boolean on,
                                                       @PropertyInject("presence.announcements.mqtt-topic-prefix")
                                                       String topicPrefix) {
        // with MQTT off the route still refers to this step, and no connection is made; on, the connection is made
        // now, with the route, so that it is up by the first look
        Supplier<MqttPublisher> connection = () -> ContextServices.bean(context, "mqttPublisher", MqttPublisher.class);
        if (on) {
            MqttPublisher made = connection.get();
            connection = () -> made;
        }
        return new AnnouncementPublisher(connection, topicPrefix);
    }

    /** The flow's send to the announcements queue. */
    @BindToRegistry(lazy = true)
    public AnnouncementMessages announcementMessages(SqsClient sqs,
                                                     @PropertyInject("presence.announcements.queue") String queue) {
        return new AnnouncementMessages(new QueueMessages(sqs, queue));
    }
}
