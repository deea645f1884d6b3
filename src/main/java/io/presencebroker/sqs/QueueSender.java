package io.presencebroker.sqs;

import java.util.LinkedHashMap;
import java.util.Map;

import io.presencebroker.config.RouteBean;
import org.apache.camel.Message;

/**
 * A route step that sends the exchange's body to one SQS queue, through the service's one way to SQS
 * ({@link QueueMessages}), with its headers that are not Camel's as String message attributes (the reason attributes
 * of a dead letter, any an operator's step adds; empty ones and those past SQS's 10 left out). Throws when SQS refused it, so that the caller keeps the message.
 * Bound per queue: {@code deadLetterQueue} (routes/dead-letter.yaml), {@code eventsQueue} (the MQTT source's
 * hand-over, routes/lifecycle-events-mqtt.yaml).
 */
@RouteBean
public class QueueSender {

    /** SQS's limit of message attributes per message. */
    static final int MAX_ATTRIBUTES = 10;

    private final QueueMessages queue;

    public QueueSender(QueueMessages queue) {
        this.queue = queue;
    }

    /** Route step. */
    public void send(Message message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        message.getHeaders().forEach((name, value) -> {
            boolean camels = name.regionMatches(true, 0, "Camel", 0, 5);
            boolean simple = value instanceof String || value instanceof Number || value instanceof Boolean;
            // SQS refuses an empty attribute value, and more than 10 attributes: those would fail every send
            if (!camels && simple && !String.valueOf(value).isEmpty() && attributes.size() < MAX_ATTRIBUTES) {
                attributes.put(name, String.valueOf(value));
            }
        });
        queue.send(message.getBody(String.class), attributes);
    }
}
