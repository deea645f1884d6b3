package io.presencebroker.delivery;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery route's socket step (body: the {@link Delivery}): one MQTT 5 publish at QoS 1 per distinct topic, the
 * message's payload with its publish properties, through the {@link MqttPublisher}'s connection. A failed publish
 * (broker down, timeout) sends that topic's recipients to push instead: a message is never lost between the two
 * paths. Each publish that succeeded is recorded in the delivery log before the next one. Retried by the route's
 * error handling, it publishes nothing twice.
 */
public class SocketPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(SocketPublisher.class);

    private final MqttClient client;
    private final DeliveryLog log;
    private final DeliveryMessages messages;
    private final DeliveryReceipts receipts;

    public SocketPublisher(MqttClient client, DeliveryLog log, DeliveryMessages messages, DeliveryReceipts receipts) {
        this.client = client;
        this.log = log;
        this.messages = messages;
        this.receipts = receipts;
    }

    public void publish(Delivery delivery) throws SQLException {
        OutboxMessage message = delivery.getMessage();
        for (Delivery.TopicDelivery topic : delivery.socketTopics()) {
            Delivery.Progress progress = delivery.progress(topic.topic());
            if (progress == Delivery.Progress.PENDING) {
                try {
                    MqttMessage mqtt = new MqttMessage(message.payload().getBytes(StandardCharsets.UTF_8));
                    mqtt.setQos(1);
                    mqtt.setProperties(messages.publishProperties(message));
                    client.publish(topic.topic(), mqtt);
                    progress = Delivery.Progress.PUBLISHED;
                    delivery.progress(topic.topic(), progress);
                } catch (Exception e) {
                    LOG.warn("MQTT publish of message {} to {} failed ({}): push instead", message.messageId(),
                            topic.topic(), e.getMessage());
                    delivery.fallback(topic);
                    continue;
                }
            }
            if (progress == Delivery.Progress.PUBLISHED) {
                // a failure here (the database) retries this step: the publish is not repeated, the record is
                // receipts on: each recipient owes one by its time, or gets the push (expected before the record, so
                // a delivery recorded always has its receipt row)
                receipts.expect(delivery, delivery.finalByPublish(topic.recipients())); // a stale one is pushed already
                log.delivered(delivery, delivery.finalByPublish(topic.recipients()), Delivery.SOCKET);
                delivery.progress(topic.topic(), Delivery.Progress.RECORDED);
                messages.count(Delivery.SOCKET, topic.recipients().size());
            }
        }
    }
}
