package io.presencebroker.failure;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Dead-letters one message that a consumer holds (its body exactly as received, and the headers that name it: the
 * SQS message id and attributes, or the MQTT topic) through the dead-letter route ({@value #ENDPOINT}, original body,
 * reason attributes). Throws if the dead-letter queue cannot be reached, so that the caller deletes nothing.
 */
public class DeadLetterSender {

    /** Where the dead-letter flow starts (routes/dead-letter.yaml); the start fails when no route consumes it. */
    public static final String ENDPOINT = "direct:dead-letter";
    /** Exchange property with the event type of a dead-lettered message, for the counts of the dead-letter route. */
    public static final String EVENT_TYPE_PROPERTY = "eventType";

    private final CamelContext context;
    private final ProducerTemplate template;

    public DeadLetterSender(CamelContext context) {
        this.context = context;
        this.template = context.createProducerTemplate();
    }

    /**
     * @param body        the message as received
     * @param headers     what names the message in the log and the attributes (CamelAwsSqsMessageId,
     *                    CamelAwsSqsAttributes; or CamelMqttTopic)
     * @param routeId     the route it failed in
     * @param sourceQueue the queue it came from, where a replay sends it back; null for the MQTT source
     * @param eventType   its event type when known, for the counts
     */
    public void send(String body, Map<String, Object> headers, String routeId, String sourceQueue, String eventType,
                     Throwable cause) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setBody(body);
        exchange.getIn().setHeaders(new HashMap<>(headers));
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, cause);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, routeId);
        if (sourceQueue != null) {
            exchange.setProperty(DeadLetterAttributes.SOURCE_QUEUE_PROPERTY, sourceQueue);
        }
        exchange.setProperty(EVENT_TYPE_PROPERTY, eventType);
        Exchange done = template.send(ENDPOINT, exchange);
        if (done.getException() != null) {
            throw new IllegalStateException("could not dead-letter message " + headers, done.getException());
        }
    }
}
