package io.presencebroker.failure;

import io.presencebroker.store.LifecycleBatch;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Dead-letters one event of a batch whose update the database refused for good (a value the schema cannot hold),
 * through the same dead-letter route as everything else: original body, reason attributes. Throws if the
 * dead-letter queue cannot be reached, so that nothing is deleted.
 */
public class DeadLetterSender {

    private final CamelContext context;
    private final ProducerTemplate template;

    public DeadLetterSender(CamelContext context) {
        this.context = context;
        this.template = context.createProducerTemplate();
    }

    public void send(LifecycleBatch.Item item, Exception cause, String routeId) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setBody(item.originalBody());
        exchange.getIn().setHeader("CamelAwsSqsMessageId", item.messageId());
        exchange.getIn().setHeader("CamelAwsSqsAttributes", item.sqsAttributes());
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, cause);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, routeId);
        exchange.setProperty("eventType", item.eventType());
        Exchange done = template.send("direct:dead-letter", exchange);
        if (done.getException() != null) {
            throw new IllegalStateException("could not dead-letter message " + item.messageId(), done.getException());
        }
    }
}
