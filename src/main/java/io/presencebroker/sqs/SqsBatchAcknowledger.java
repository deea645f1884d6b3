package io.presencebroker.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.presencebroker.store.LifecycleBatch;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes consumed SQS messages with DeleteMessageBatch (one call for up to ten) instead of one DeleteMessage each,
 * and only for exchanges that completed: their update is committed, or they are safely in the dead-letter queue. A
 * failed exchange is never deleted and comes back after the visibility timeout. The buffer of a consumer thread is
 * flushed at the end of each polled batch (or at ten), and on shutdown: at worst a crash redelivers a few messages
 * whose effect is already committed, which the idempotent updates absorb.
 */
public class SqsBatchAcknowledger extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(SqsBatchAcknowledger.class);
    private static final String RECEIPT_HANDLE = "CamelAwsSqsReceiptHandle";
    private static final int MAX_BATCH = 10;
    private static final String DEFERRED = "ackDeferred";

    private final SqsClient sqs;
    private final String queue;
    private final Map<Thread, List<String>> pending = new ConcurrentHashMap<>();
    private volatile String queueUrl;

    public SqsBatchAcknowledger(SqsClient sqs, String queue) {
        this.sqs = sqs;
        this.queue = queue;
    }

    /** Route step: acknowledge this message when its exchange completes successfully (unless deferred). */
    public void enlist(Exchange exchange) {
        String receipt = exchange.getIn().getHeader(RECEIPT_HANDLE, String.class);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange done) {
                List<String> buffer = pending.computeIfAbsent(Thread.currentThread(), t -> new ArrayList<>(MAX_BATCH));
                if (!done.getProperty(DEFERRED, false, Boolean.class)) {
                    buffer.add(receipt);
                }
                if (buffer.size() >= MAX_BATCH || lastOfPoll(done)) {
                    flush(buffer);
                }
            }

            @Override
            public void onFailure(Exchange done) {
                List<String> buffer = pending.get(Thread.currentThread());
                if (buffer != null && lastOfPoll(done)) {
                    flush(buffer);
                }
            }
        });
    }

    /**
     * Route step: this message's update is committed later, with a batch; {@link #ack} deletes it then. A message
     * with nothing to apply (connect_failed, non-chat topics) is deleted as soon as its exchange completes.
     */
    public void defer(Exchange exchange) {
        List<?> rows = exchange.getProperty(LifecycleBatch.ROWS, List.class);
        if (rows != null && !rows.isEmpty()) {
            exchange.setProperty(DEFERRED, true);
        }
    }

    /** Route step after a batch has been committed: deletes its messages (all but those left on the queue). */
    public void ack(LifecycleBatch batch) {
        List<String> receipts = new ArrayList<>(MAX_BATCH);
        for (LifecycleBatch.Item item : batch.items()) {
            if (batch.isLeftOnQueue(item)) {
                continue;
            }
            receipts.add(item.receiptHandle());
            if (receipts.size() == MAX_BATCH) {
                flush(receipts);
            }
        }
        flush(receipts);
    }

    private static boolean lastOfPoll(Exchange exchange) {
        return exchange.getProperty(ExchangePropertyKey.BATCH_COMPLETE, true, Boolean.class);
    }

    private void flush(List<String> buffer) {
        if (buffer.isEmpty()) {
            return;
        }
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(buffer.size());
        for (int i = 0; i < buffer.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i)).receiptHandle(buffer.get(i)).build());
        }
        buffer.clear();
        try {
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl()).entries(entries));
            if (!response.failed().isEmpty()) {
                LOG.warn("{} of {} deletes failed; those messages will be delivered again (updates are idempotent): {}",
                        response.failed().size(), entries.size(), response.failed().get(0).message());
            }
        } catch (RuntimeException e) {
            LOG.warn("Deleting {} processed messages failed; they will be delivered again (updates are idempotent): {}",
                    entries.size(), e.getMessage());
        }
    }

    private String queueUrl() {
        String url = queueUrl;
        if (url == null) {
            url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            queueUrl = url;
        }
        return url;
    }

    @Override
    protected void doStop() {
        pending.values().forEach(this::flush);
    }
}
