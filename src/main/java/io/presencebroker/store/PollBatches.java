package io.presencebroker.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.presencebroker.PresenceMetrics;
import io.presencebroker.sqs.SqsBatchAcknowledger;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle route's apply-and-acknowledge step (bean {@code lifecycleBatch}, a {@code process} step): gathers the
 * routed events of one SQS poll, commits their updates in one transaction when the poll's last event arrives, in the
 * consumer's own thread, then deletes their messages with DeleteMessageBatch ({@link SqsBatchAcknowledger#ack}).
 * The consumer polls again only after the commit: that is the backpressure. A message is never deleted before the
 * commit of its update.
 * <ul>
 * <li>A failed commit propagates from the step of the poll's last event: the route's error handling retries it (it
 * calls this step again with the same exchange, and the batch is committed again as a whole), and when the retries
 * are exhausted none of the batch's messages is deleted: they come back after the visibility timeout.</li>
 * <li>A poll whose last event does not reach this step (dead-lettered, dropped by a filter, failed before) is
 * committed when that last exchange is done ({@link SqsBatchAcknowledger#onPollEnd}); a failure there is not retried
 * in the process: the batch's messages stay on the queue and come back after the visibility timeout.</li>
 * </ul>
 */
public final class PollBatches implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(PollBatches.class);

    private final PresenceStore store;
    private final SqsBatchAcknowledger acknowledger;
    private final PresenceMetrics metrics;
    private final Map<Thread, LifecycleBatch> pending = new ConcurrentHashMap<>();

    public PollBatches(PresenceStore store, SqsBatchAcknowledger acknowledger, PresenceMetrics metrics) {
        this.store = store;
        this.acknowledger = acknowledger;
        this.metrics = metrics;
        acknowledger.onPollEnd(this::pollEnded);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        LifecycleBatch batch = pending.computeIfAbsent(Thread.currentThread(), t -> new LifecycleBatch());
        if (batch.add(exchange) && batch.items().get(batch.items().size() - 1).isUpdate()) {
            acknowledger.defer(exchange);
        }
        if (SqsBatchAcknowledger.lastOfPoll(exchange)) {
            commit(batch);
        }
    }

    private void commit(LifecycleBatch batch) throws Exception {
        store.applyBatch(batch);
        pending.remove(Thread.currentThread(), batch);
        acknowledger.ack(batch);
    }

    /** The last exchange of this thread's poll is done. */
    private void pollEnded(Exchange last) {
        LifecycleBatch batch = pending.remove(Thread.currentThread());
        if (batch == null) {
            return;
        }
        if (batch.contains(last)) {
            // its commit was tried in process() and failed until the retries were exhausted: nothing is deleted
            return;
        }
        try {
            commit(batch);
        } catch (Exception e) {
            LOG.warn("Commit of a batch of {} events failed; its messages stay on the queue and come back after the"
                    + " visibility timeout: {}", batch.items().size(), e.getMessage());
            batch.items().forEach(item -> metrics.count(item.eventType(), "retry_later"));
        }
    }
}
