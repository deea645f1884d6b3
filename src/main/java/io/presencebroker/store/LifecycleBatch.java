package io.presencebroker.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.presencebroker.event.LifecycleEventParser;
import io.presencebroker.failure.DeadLetterAttributes;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;

/**
 * The events of one SQS poll (one consumer thread), gathered by {@link PollBatches} so that their updates are
 * committed in one transaction and their SQS messages deleted with DeleteMessageBatch afterwards.
 */
public final class LifecycleBatch {

    /** Exchange property holding the row updates that routing one event produced. */
    public static final String ROWS = "rowUpdates";

    /** One polled message: what to apply, and what identifies it for the acknowledgement or the dead-letter queue. */
    public record Item(String eventType, long eventTimestamp, List<RowUpdate> rows, String receiptHandle, String messageId,
                       String originalBody, Object sqsAttributes, String routeId, String sourceQueue) {

        /** Changes rows, so the batch commits it and deletes its message; else it is deleted when its exchange is. */
        boolean isUpdate() {
            return !rows.isEmpty();
        }
    }

    private final List<Item> items = new ArrayList<>();
    private final Set<String> exchangeIds = new HashSet<>();
    private final Set<Item> leftOnQueue = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Adds the routed event of this exchange; false (nothing added) when it is already in: the error handler's
     * redelivery of the step that commits brings the same exchange again.
     */
    boolean add(Exchange exchange) {
        if (!exchangeIds.add(exchange.getExchangeId())) {
            return false;
        }
        items.add(item(exchange));
        return true;
    }

    boolean contains(Exchange exchange) {
        return exchangeIds.contains(exchange.getExchangeId());
    }

    public List<Item> items() {
        return items;
    }

    /** Not to be deleted: this item failed and is to come back after the visibility timeout. */
    public void leaveOnQueue(Item item) {
        leftOnQueue.add(item);
    }

    /**
     * The items whose updates this batch commits: those with rows. An event that changes no row (ignored, dropped by
     * a filter) is not deferred: its message is deleted when its exchange completes, and it is counted by its route.
     */
    public List<Item> updates() {
        return items.stream().filter(Item::isUpdate).toList();
    }

    /** The items to delete after the commit: the updates, less those left on the queue. */
    public List<Item> toAcknowledge() {
        return updates().stream().filter(i -> !leftOnQueue.contains(i)).toList();
    }

    public List<RowUpdate> rows() {
        List<RowUpdate> all = new ArrayList<>();
        items.forEach(i -> all.addAll(i.rows()));
        return all;
    }

    @SuppressWarnings("unchecked")
    static Item item(Exchange e) {
        List<RowUpdate> rows = e.getProperty(ROWS, List.class);
        Object event = e.getIn().getBody();
        long ts = event instanceof io.presencebroker.event.LifecycleEvent le ? le.timestamp() : 0;
        return new Item(e.getProperty(LifecycleEventParser.EVENT_TYPE_PROPERTY, String.class), ts, rows == null ? List.of() : List.copyOf(rows),
                e.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class),
                e.getIn().getHeader(Sqs2Constants.MESSAGE_ID, String.class),
                e.getProperty(ORIGINAL_BODY, String.class),
                e.getIn().getHeader(Sqs2Constants.ATTRIBUTES, Map.class),
                e.getFromRouteId(), DeadLetterAttributes.sourceQueue(e));
    }

    /** Exchange property with the message body as received, for dead-lettering an item of a failed batch. */
    public static final String ORIGINAL_BODY = "originalBody";
}
