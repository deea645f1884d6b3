package io.presencebroker.failure;

import io.presencebroker.event.LifecycleEventParser;
import io.presencebroker.store.LifecycleBatch;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.support.DefaultExchange;

/**
 * Dead-letters one event of a batch whose update the database refused for good (a value the schema cannot hold),
 * through the same dead-letter route as everything else: original body, reason attributes. Throws if the
 * dead-letter queue cannot be reached, so that nothing is deleted.
 */
public class DeadLetterSender {

    /** Where the dead-letter flow starts (routes/dead-letter.yaml); the start fails when no route consumes it. */
    public static final String ENDPOINT = "direct:dead-letter";

    private final CamelContext context;
    private final ProducerTemplate template;

    public DeadLetterSender(CamelContext context) {
        this.context = context;
        this.template = context.createProducerTemplate();
    }

    public void send(LifecycleBatch.Item item, Exception cause) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setBody(item.originalBody());
        exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, item.messageId());
        exchange.getIn().setHeader(Sqs2Constants.ATTRIBUTES, item.sqsAttributes());
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, cause);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, item.routeId());
        exchange.setProperty(DeadLetterAttributes.SOURCE_QUEUE_PROPERTY, item.sourceQueue());
        exchange.setProperty(LifecycleEventParser.EVENT_TYPE_PROPERTY, item.eventType());
        Exchange done = template.send(ENDPOINT, exchange);
        if (done.getException() != null) {
            throw new IllegalStateException("could not dead-letter message " + item.messageId(), done.getException());
        }
    }
}
