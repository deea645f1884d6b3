package io.presencebroker.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Events polled by the consumers, gathered so that their updates are committed in one transaction and their SQS
 * messages deleted with DeleteMessageBatch afterwards. The aggregation strategy of the route's {@code aggregate}.
 */
public final class LifecycleBatch {

    /** Exchange property holding the row updates that routing one event produced. */
    public static final String ROWS = "rowUpdates";

    /** One polled message: what to apply, and what identifies it for the acknowledgement or the dead-letter queue. */
    public record Item(String eventType, long eventTimestamp, List<RowUpdate> rows, String receiptHandle, String messageId,
                       String originalBody, Object sqsAttributes) {
    }

    private final List<Item> items = new ArrayList<>();
    private final Set<Item> leftOnQueue = Collections.newSetFromMap(new IdentityHashMap<>());

    public List<Item> items() {
        return items;
    }

    /** Not to be deleted: this item failed and is to come back after the visibility timeout. */
    public void leaveOnQueue(Item item) {
        leftOnQueue.add(item);
    }

    public boolean isLeftOnQueue(Item item) {
        return leftOnQueue.contains(item);
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
        return new Item(e.getProperty("eventType", String.class), ts, rows == null ? List.of() : List.copyOf(rows),
                e.getIn().getHeader("CamelAwsSqsReceiptHandle", String.class),
                e.getIn().getHeader("CamelAwsSqsMessageId", String.class),
                e.getProperty(ORIGINAL_BODY, String.class),
                e.getIn().getHeader("CamelAwsSqsAttributes", Map.class));
    }

    /** Exchange property with the message body as received, for dead-lettering an item of a failed batch. */
    public static final String ORIGINAL_BODY = "originalBody";

    /** Gathers the events of the route into one {@link LifecycleBatch} body. */
    public static final class Strategy implements AggregationStrategy {
        @Override
        public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
            Exchange target = oldExchange == null ? newExchange : oldExchange;
            LifecycleBatch batch = oldExchange == null ? new LifecycleBatch() : oldExchange.getIn().getBody(LifecycleBatch.class);
            batch.items.add(item(newExchange));
            if (oldExchange == null) {
                target.getIn().removeHeaders("*");
                target.removeProperty(ROWS);
                target.getIn().setBody(batch);
            }
            return target;
        }
    }
}
