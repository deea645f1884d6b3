package io.presencebroker.lifecycle;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

/**
 * {@code to: lifecycle-events:QUEUE}: one event (the body) applied at once through the route that consumes the queue,
 * in its own exchange: committed, counted, or dead-lettered for its own fault. The exchange fails when the event could
 * not be applied (the database is down, the consumer is suspended or not running, an unexpected failure), so the
 * caller (the MQTT source) can hand it to the SQS queue instead.
 */
final class LifecycleEventsProducer extends DefaultProducer {

    private final LifecycleEventsEndpoint endpoint;

    LifecycleEventsProducer(LifecycleEventsEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        LifecycleEventsConsumer consumer = endpoint.consumer();
        if (consumer == null || !consumer.isRunAllowed()) {
            throw new IllegalStateException("no route is consuming " + endpoint.getEndpointUri() + " now");
        }
        Map<String, Object> headers = new HashMap<>();
        exchange.getIn().getHeaders().forEach((name, value) -> {
            if (name.startsWith("Camel")) {
                headers.put(name, value); // what names it (CamelMqttTopic), not what it carries
            }
        });
        consumer.applyNow(new ReceivedEvent(exchange.getIn().getBody(String.class), headers, null, Map.of()));
    }
}
