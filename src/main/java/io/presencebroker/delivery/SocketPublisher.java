package io.presencebroker.delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.presencebroker.mqtt.MqttPublisher;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of a poll: one MQTT 5 publish at QoS 1 per distinct topic of each delivery, the message's payload
 * with its publish properties, all of the poll's publishes in flight together ({@link MqttPublisher#publishAll}). A publish that fails (broker down,
 * timeout) sends that topic's recipients to push instead: a message is never lost between the two paths.
 */
public class SocketPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(SocketPublisher.class);

    private final MqttPublisher client;
    private final DeliveryMessages messages;

    public SocketPublisher(MqttPublisher publisher, DeliveryMessages messages) {
        this.client = publisher;
        this.messages = messages;
    }

    /** Publishes every socket topic of these deliveries; a topic whose publish failed falls back to push. */
    void publish(List<Delivery> deliveries) {
        List<Delivery> of = new ArrayList<>();
        List<Delivery.TopicDelivery> topics = new ArrayList<>();
        List<MqttPublisher.Publish> publishes = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            OutboxMessage message = delivery.getMessage();
            for (Delivery.TopicDelivery topic : delivery.socketTopics()) {
                MqttMessage mqtt = new MqttMessage(message.payload().getBytes(StandardCharsets.UTF_8));
                mqtt.setProperties(messages.publishProperties(message));
                of.add(delivery);
                topics.add(topic);
                publishes.add(new MqttPublisher.Publish(topic.topic(), mqtt));
            }
        }
        List<Exception> failures = client.publishAll(publishes);
        for (int i = 0; i < publishes.size(); i++) {
            if (failures.get(i) == null) {
                messages.count(Delivery.SOCKET, topics.get(i).recipients().size());
            } else {
                failed(of.get(i), topics.get(i), failures.get(i));
            }
        }
    }

    private static void failed(Delivery delivery, Delivery.TopicDelivery topic, Exception e) {
        LOG.warn("MQTT publish of message {} to {} failed ({}): push instead", delivery.getMessage().messageId(),
                topic.topic(), e.getMessage());
        delivery.fallback(topic);
    }
}
