package io.presencebroker.delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.presencebroker.mqtt.MqttPublisher;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of a poll: one MQTT 5 publish at QoS 1 per distinct topic of each delivery, the message's payload
 * with its publish properties, all of the poll's publishes in flight together (within the broker's Receive Maximum,
 * {@link MqttPublisher}): the waits for a slot share the publish timeout, and each PUBACK is awaited for the publish
 * timeout from its start. A publish that fails (broker down,
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

    private record InFlight(Delivery delivery, Delivery.TopicDelivery topic, IMqttToken token, long deadline) {
    }

    /** Publishes every socket topic of these deliveries; a topic whose publish failed falls back to push. */
    void publish(List<Delivery> deliveries) {
        long timeout = TimeUnit.MILLISECONDS.toNanos(client.publishTimeoutMillis());
        // the waits for a slot share one deadline (a broker that stops acknowledging sends the rest of the poll to
        // push within the timeout, not a timeout per topic); each PUBACK is awaited for the timeout from its start
        long slotDeadline = System.nanoTime() + timeout;
        List<InFlight> inFlight = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            OutboxMessage message = delivery.getMessage();
            for (Delivery.TopicDelivery topic : delivery.socketTopics()) {
                try {
                    MqttMessage mqtt = new MqttMessage(message.payload().getBytes(StandardCharsets.UTF_8));
                    mqtt.setQos(1);
                    mqtt.setProperties(messages.publishProperties(message));
                    IMqttToken token = client.start(topic.topic(), mqtt, slotDeadline);
                    inFlight.add(new InFlight(delivery, topic, token, System.nanoTime() + timeout));
                } catch (Exception e) {
                    failed(delivery, topic, e);
                }
            }
        }
        for (InFlight f : inFlight) {
            try {
                f.token().waitForCompletion(Math.max(1, TimeUnit.NANOSECONDS.toMillis(f.deadline() - System.nanoTime())));
                messages.count(Delivery.SOCKET, f.topic().recipients().size());
            } catch (Exception e) {
                failed(f.delivery(), f.topic(), e);
            }
        }
    }

    private static void failed(Delivery delivery, Delivery.TopicDelivery topic, Exception e) {
        LOG.warn("MQTT publish of message {} to {} failed ({}): push instead", delivery.getMessage().messageId(),
                topic.topic(), e.getMessage());
        delivery.fallback(topic);
    }
}
