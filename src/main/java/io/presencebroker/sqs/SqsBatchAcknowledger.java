package io.presencebroker.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Route;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.support.RoutePolicySupport;
import org.apache.camel.support.SynchronizationAdapter;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Deletes the messages a camel-aws2-sqs consumer route took (the outbox) with DeleteMessageBatch, one call for up to
 * ten, instead of one DeleteMessage each, and only for exchanges that completed: delivered, or safely in the
 * dead-letter queue. A failed exchange is never deleted and comes back after the visibility timeout. The buffer of a
 * consumer thread is flushed at the end of each polled batch (or at ten), and on shutdown; the deletes run on threads
 * of their own ({@link QueueMessages}), so the consumer's next poll does not wait for them.
 * <p>
 * A route policy of the route that consumes the queue ({@code routePolicy} in its YAML): every exchange of that route
 * is enlisted when it begins. On a route that consumes another queue (or no queue) the start fails, naming both.
 */
public class SqsBatchAcknowledger extends RoutePolicySupport {

    private final String queue;
    private final String name;
    private final QueueMessages messages;
    private final Map<Thread, List<String>> pending = new ConcurrentHashMap<>();

    /**
     * @param name the bean name routes refer to it by, for the start's error message
     */
    public SqsBatchAcknowledger(SqsClient sqs, String queue, String name) {
        this.queue = queue;
        this.name = name;
        this.messages = new QueueMessages(sqs, queue);
    }

    /** The queue whose messages it deletes. */
    public String queue() {
        return queue;
    }

    @Override
    public void onInit(Route route) {
        String consumed = route.getEndpoint() instanceof Sqs2Endpoint sqsEndpoint
                ? sqsEndpoint.getConfiguration().getQueueName() : null;
        if (!queue.equals(consumed)) {
            throw new IllegalStateException("routePolicy " + name + " deletes the messages of SQS queue " + queue
                    + ", but route " + route.getRouteId() + " (" + route.getSourceLocationShort() + ") consumes "
                    + route.getEndpoint().getEndpointBaseUri() + ": put it on the route that consumes " + queue);
        }
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        String receipt = exchange.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange done) {
                List<String> buffer = buffer();
                buffer.add(receipt);
                if (buffer.size() >= QueueMessages.MAX_BATCH || lastOfPoll(done)) {
                    flush(buffer);
                }
            }

            @Override
            public void onFailure(Exchange done) {
                if (lastOfPoll(done)) {
                    flush(buffer());
                }
            }
        });
    }

    private List<String> buffer() {
        return pending.computeIfAbsent(Thread.currentThread(), t -> new ArrayList<>(QueueMessages.MAX_BATCH));
    }

    /** The last exchange of the consumer's poll (true as well outside a poll). */
    static boolean lastOfPoll(Exchange exchange) {
        return exchange.getProperty(ExchangePropertyKey.BATCH_COMPLETE, true, Boolean.class);
    }

    private void flush(List<String> buffer) {
        if (!buffer.isEmpty()) {
            messages.delete(List.copyOf(buffer));
            buffer.clear();
        }
    }

    /** Deletes what is still buffered and waits (at most 30 s) for the deletes in flight. */
    @Override
    protected void doStop() throws InterruptedException {
        pending.values().forEach(this::flush);
        messages.awaitDeletes(30);
    }
}
