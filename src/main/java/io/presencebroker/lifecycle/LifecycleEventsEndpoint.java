package io.presencebroker.lifecycle;

import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** The events queue of {@link LifecycleEventsComponent}: one consumer (many threads) per endpoint. */
public class LifecycleEventsEndpoint extends DefaultEndpoint {

    private final QueueMessages queue;
    private volatile LifecycleEventsConsumer consumer;

    LifecycleEventsEndpoint(String uri, LifecycleEventsComponent component, QueueMessages queue) {
        super(uri, component);
        this.queue = queue;
    }

    @Override
    public LifecycleEventsComponent getComponent() {
        return (LifecycleEventsComponent) super.getComponent();
    }

    @Override
    public boolean isSingleton() {
        return true;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        // a route stopped and started again makes a new consumer in place of its stopped one
        if (consumer != null && !consumer.isStoppingOrStopped()) {
            throw new IllegalStateException("Only one route may consume " + getEndpointUri() + " (the poll is one"
                    + " consumer's, with presence.consumers threads)");
        }
        LifecycleEventsConsumer created = new LifecycleEventsConsumer(this, processor);
        configureConsumer(created);
        consumer = created;
        return created;
    }

    @Override
    public Producer createProducer() {
        return new LifecycleEventsProducer(this);
    }

    QueueMessages queue() {
        return queue;
    }

    /** The route's consumer, or null when no route consumes this endpoint. */
    LifecycleEventsConsumer consumer() {
        return consumer;
    }
}
