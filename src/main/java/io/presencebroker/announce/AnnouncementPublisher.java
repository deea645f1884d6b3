package io.presencebroker.announce;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.presencebroker.mqtt.MqttPublisher;
import io.presencebroker.config.RouteBean;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The step of routes/presence-announcements.yaml that publishes a look's announcements over MQTT (with
 * presence.announcements.mqtt.enabled): each user's on {@code presence.announcements.mqtt-topic-prefix + userId}, QoS
 * 1, JSON, through the service's MQTT connection ({@link MqttPublisher}), all in flight together within the broker's
 * Receive Maximum (a claim holds at most one announcement per user, so the order per user holds). Any publish that
 * fails (not connected, no PUBACK within the publish timeout) fails the step: the claim is not recorded as announced
 * and goes out again when it runs out (at least once).
 */
@RouteBean
public class AnnouncementPublisher {

    private final Supplier<MqttPublisher> connection;
    private final String topicPrefix;

    /** @param connection the service's MQTT connection, looked up on the first publish */
    public AnnouncementPublisher(Supplier<MqttPublisher> connection, String topicPrefix) {
        this.connection = connection;
        this.topicPrefix = topicPrefix;
    }

    /** Route step: publishes the announcements; throws when any was not acknowledged. */
    public void publish(List<PresenceAnnouncement> announcements) throws Exception {
        List<String> bodies = AnnouncementMessages.json(announcements);
        List<MqttPublisher.Publish> publishes = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            MqttMessage message = new MqttMessage(bodies.get(i).getBytes(StandardCharsets.UTF_8));
            MqttProperties properties = new MqttProperties();
            properties.setContentType("application/json");
            properties.setPayloadFormat(true);
            message.setProperties(properties);
            publishes.add(new MqttPublisher.Publish(topicPrefix + announcements.get(i).getUserId(), message));
        }
        for (Exception failure : connection.get().publishAll(publishes)) {
            if (failure != null) {
                throw failure;
            }
        }
    }
}
