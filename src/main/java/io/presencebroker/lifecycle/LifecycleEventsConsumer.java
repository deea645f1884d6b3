package io.presencebroker.lifecycle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.presencebroker.sqs.PolledQueueConsumer;
import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import io.presencebroker.health.PresenceFreshness;

/**
 * The lifecycle events consumer, on the poll protocol the service's SQS consumers share ({@link PolledQueueConsumer}:
 * receivers, workers, visibility kept, deletes, give-back on stop). Each receive asks only for the attributes the
 * poison rule and the freshness read. A worker, for each poll:
 * <ol>
 * <li>routes each message through the route, one exchange after the other, in its thread: the route's body at the end
 * is the event's {@link RowChanges};</li>
 * <li>hands the routed events to {@link LifecycleApply}: one transaction for the poll's row changes; the messages that
 * may go are then deleted.</li>
 * </ol>
 * A message is never deleted before the commit of its effect, or before it is in the dead-letter queue. On stop,
 * nothing new is routed: the events already routed are committed and deleted, the rest given back. While the circuit
 * breaker is open nothing is received.
 */
public final class LifecycleEventsConsumer extends PolledQueueConsumer {

    private static final List<MessageSystemAttributeName> ATTRIBUTES = List.of(
            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
            MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP,
            // how long the message waited in the queue: how far behind the presence data is (health/PresenceFreshness)
            MessageSystemAttributeName.SENT_TIMESTAMP);

    private final LifecycleEventsEndpoint endpoint;
    private final QueueMessages queue;
    private final LifecycleApply apply;
    private final PresenceFreshness freshness;

    LifecycleEventsConsumer(LifecycleEventsEndpoint endpoint, Processor processor) {
        super(endpoint, processor, endpoint.queue(), endpoint.getComponent().settings(), ATTRIBUTES, "LifecycleEvents");
        this.endpoint = endpoint;
        this.queue = endpoint.queue();
        this.apply = endpoint.getComponent().apply();
        this.freshness = endpoint.getComponent().freshness();
    }

    /**
     * The SQS SentTimestamp of the oldest of these messages received for the first time (one that comes back after a
     * failure or a hand-back keeps its old timestamp: it says nothing of a backlog); -1 for none.
     */
    private static long oldestSent(List<Message> messages) {
        long oldest = -1;
        for (Message m : messages) {
            if (!"1".equals(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))) {
                continue;
            }
            String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
            if (sent != null) {
                long at = Long.parseLong(sent);
                oldest = oldest < 0 ? at : Math.min(oldest, at);
            }
        }
        return oldest;
    }

    @Override
    protected void starting() {
        endpoint.getComponent().warmUp().run();
    }

    @Override
    protected boolean awaitReady() throws InterruptedException {
        return apply.breaker().awaitClosed(this::stopAsked);
    }

    @Override
    protected void receiving() {
        freshness.receiving(); // a long poll in flight: nothing is waiting (health/PresenceFreshness)
    }

    @Override
    protected void receiveFailed() {
        freshness.receiveFailed();
    }

    @Override
    protected void received(List<Message> messages) {
        freshness.received(oldestSent(messages)); // a failed receive reports nothing: silence makes it stale
    }

    @Override
    protected void stopRequested() {
        apply.breaker().wakeUp();
    }

    /** One poll: routed, committed; returns what may be deleted. */
    @Override
    protected List<String> handle(List<Message> messages) throws Exception {
        List<ReceivedEvent.Routed> routed = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (stopAsked()) {
                break;
            }
            routed.add(route(received(m)));
        }
        if (routed.size() < messages.size()) {
            giveBack(QueueMessages.receipts(messages.subList(routed.size(), messages.size())));
        }
        List<String> delete = apply.apply(routed, getRouteId(), queue.queue(), this::stopAsked, false).stream()
                .map(ReceivedEvent::receiptHandle).toList();
        if (stopAsked()) {
            List<String> left = QueueMessages.receipts(messages.subList(0, routed.size()));
            left.removeAll(delete);
            giveBack(left); // failed ones: back to the queue at once, for another task
        }
        return delete;
    }

    private static ReceivedEvent received(Message m) {
        Map<String, String> attributes = m.attributesAsStrings();
        Map<String, Object> headers = new HashMap<>(4);
        headers.put(Sqs2Constants.MESSAGE_ID, m.messageId());
        headers.put(Sqs2Constants.ATTRIBUTES, attributes);
        return new ReceivedEvent(m.body(), headers, m.receiptHandle(), attributes);
    }

    /** The event through the route, in an exchange of its own: its row changes, its failure, or neither. */
    private ReceivedEvent.Routed route(ReceivedEvent event) {
        Exchange exchange = createExchange(false);
        try {
            exchange.getIn().setBody(event.body());
            exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, event.headers().get(Sqs2Constants.MESSAGE_ID));
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            String type = exchange.getMessage().getHeader(LifecycleEventParser.EVENT_TYPE, String.class);
            Object body = exchange.getMessage().getBody();
            return new ReceivedEvent.Routed(event, type, !exchange.isFailed() && body instanceof RowChanges rc ? rc : null,
                    exchange.getException());
        } finally {
            releaseExchange(exchange, false);
        }
    }

    /** One event now, as a poll of its own (the producer: the MQTT source); throws when it could not be applied. */
    void applyNow(ReceivedEvent event) throws Exception {
        if (apply.breaker().isOpen()) {
            throw new IllegalStateException("the lifecycle events consumer is suspended by the circuit breaker");
        }
        apply.apply(List.of(route(event)), getRouteId(), null, this::stopAsked, true);
    }
}
