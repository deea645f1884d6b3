package io.presencebroker.delivery;

import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** The outbox queue of {@link OutboxComponent}: consumed only (one consumer, many threads, per endpoint). */
public class OutboxEndpoint extends DefaultEndpoint {

    private final QueueMessages queue;

    OutboxEndpoint(String uri, OutboxComponent component, QueueMessages queue) {
        super(uri, component);
        this.queue = queue;
    }

    @Override
    public OutboxComponent getComponent() {
        return (OutboxComponent) super.getComponent();
    }

    @Override
    public boolean isSingleton() {
        return true;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        OutboxConsumer consumer = new OutboxConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException(getEndpointUri() + " is consumed only: the chat backend sends to the"
                + " outbox queue itself");
    }

    QueueMessages queue() {
        return queue;
    }
}
