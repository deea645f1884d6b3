package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The messages the delivery route sends, and its counters: the MQTT publish properties, the push requests (JSON:
 * messageId, recipient, chatId, title, body), and {@code presence_deliveries_total{path=socket|push|fallback}}.
 */
public class DeliveryMessages {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final MeterRegistry registry;

    public DeliveryMessages(MeterRegistry registry) {
        this.registry = registry;
    }

    /** MQTT 5 properties of a publish: JSON content, and the message id and chat as user properties. */
    public MqttProperties publishProperties(OutboxMessage message) {
        MqttProperties p = new MqttProperties();
        p.setContentType("application/json");
        p.setPayloadFormat(true);
        p.setUserProperties(List.of(new UserProperty("messageId", message.messageId()),
                new UserProperty("chatId", message.chatId()), new UserProperty("senderId", message.senderId())));
        return p;
    }

    public String pushRequest(OutboxMessage message, String recipient) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("messageId", message.messageId());
        n.put("recipient", recipient);
        n.put("chatId", message.chatId());
        n.put("title", message.pushTitle());
        n.put("body", message.pushBody());
        return n.toString();
    }

    public void countPushes(List<Delivery.PushRequest> batch) {
        Map<String, Long> byPath = batch.stream()
                .collect(Collectors.groupingBy(Delivery.PushRequest::path, Collectors.counting()));
        byPath.forEach((path, n) -> counter(path).increment(n));
    }

    public void count(String path, int recipients) {
        counter(path).increment(recipients);
    }

    /** Recipients a redelivered message had already reached: skipped, not delivered again. */
    public void countDuplicates(OutboxMessage message, List<String> claimed) {
        int skipped = message.deliveryKeys().size() - claimed.size();
        if (skipped > 0) {
            Counter.builder("presence_delivery_duplicates")
                    .description("Recipients skipped because a redelivered outbox message had already reached them")
                    .register(registry).increment(skipped);
        }
    }

    public double value(String path) {
        return counter(path).count();
    }

    private Counter counter(String path) {
        return Counter.builder("presence_deliveries")
                .description("Message deliveries by path: socket (MQTT publish), push, fallback (push after a failed publish), stale (push beside the publish: the presence data may be stale), unacknowledged (push after a socket delivery whose receipt did not come in time)")
                .tag("path", path)
                .register(registry);
    }
}
