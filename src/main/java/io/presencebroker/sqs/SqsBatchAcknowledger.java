package io.presencebroker.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.presencebroker.store.LifecycleBatch;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Route;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;
import org.apache.camel.support.RoutePolicySupport;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes consumed SQS messages with DeleteMessageBatch (one call for up to ten) instead of one DeleteMessage each,
 * and only for exchanges that completed: their update is committed, or they are safely in the dead-letter queue. A
 * failed exchange is never deleted and comes back after the visibility timeout. The buffer of a consumer thread is
 * flushed at the end of each polled batch (or at ten), and on shutdown; the deletes run on threads of their own, so
 * the consumer's next poll does not wait for them. At worst a crash redelivers a few messages whose effect is
 * already committed, which the idempotent updates absorb.
 * <p>
 * A route policy of the route that consumes the queue ({@code routePolicy} in its YAML): every exchange of that route
 * is enlisted when it begins. A step that commits later (the lifecycle batch) {@link #defer}s the deletion of its
 * messages and deletes them itself with {@link #ack} after its commit; it hears of the end of each poll through
 * {@link #onPollEnd}. On a route that consumes another queue (or no queue) the start fails, naming both.
 */
public class SqsBatchAcknowledger extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(SqsBatchAcknowledger.class);
    private static final int MAX_BATCH = 10;
    private static final String DEFERRED = "ackDeferred";
    private static final int DELETE_THREADS = 4;
    private static final int MAX_QUEUED_DELETES = 64;

    private final SqsClient sqs;
    private final String queue;
    private final String name;
    private final Map<Thread, List<String>> pending = new ConcurrentHashMap<>();
    private final QueueUrl queueUrl;
    private volatile Consumer<Exchange> pollEnd = last -> { };
    private ThreadPoolExecutor deleters;

    /**
     * @param name the bean name routes refer to it by, for the start's error message
     */
    public SqsBatchAcknowledger(SqsClient sqs, String queue, String name) {
        this.sqs = sqs;
        this.queue = queue;
        this.name = name;
        this.queueUrl = new QueueUrl(sqs, queue);
    }

    /** The queue whose messages it deletes. */
    public String queue() {
        return queue;
    }

    /** Called in the consumer's thread when the last exchange of a poll is done, before the poll's deletes. */
    public void onPollEnd(Consumer<Exchange> listener) {
        this.pollEnd = listener;
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
        enlist(exchange);
    }

    /** Acknowledge this message when its exchange completes successfully (unless deferred). */
    void enlist(Exchange exchange) {
        String receipt = exchange.getIn().getHeader(Sqs2Constants.RECEIPT_HANDLE, String.class);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange done) {
                List<String> buffer = pending.computeIfAbsent(Thread.currentThread(), t -> new ArrayList<>(MAX_BATCH));
                if (!done.getProperty(DEFERRED, false, Boolean.class)) {
                    buffer.add(receipt);
                }
                if (lastOfPoll(done)) {
                    pollEnd.accept(done);
                }
                if (buffer.size() >= MAX_BATCH || lastOfPoll(done)) {
                    flush(buffer);
                }
            }

            @Override
            public void onFailure(Exchange done) {
                if (lastOfPoll(done)) {
                    pollEnd.accept(done);
                    List<String> buffer = pending.get(Thread.currentThread());
                    if (buffer != null) {
                        flush(buffer);
                    }
                }
            }
        });
    }

    /** This message is deleted by {@link #ack}, after the commit of its update, not when its exchange completes. */
    public void defer(Exchange exchange) {
        exchange.setProperty(DEFERRED, true);
    }

    /** After a batch has been committed: deletes the messages of its updates (all but those left on the queue). */
    public void ack(LifecycleBatch batch) {
        List<String> receipts = new ArrayList<>(MAX_BATCH);
        for (LifecycleBatch.Item item : batch.toAcknowledge()) {
            receipts.add(item.receiptHandle());
            if (receipts.size() == MAX_BATCH) {
                flush(receipts);
            }
        }
        flush(receipts);
    }

    /** The last exchange of the consumer's poll (true as well outside a poll). */
    public static boolean lastOfPoll(Exchange exchange) {
        return exchange.getProperty(ExchangePropertyKey.BATCH_COMPLETE, true, Boolean.class);
    }
    /**
     * Hands the deletes to the delete threads, so that the consumer polls again without waiting for the round trip
     * (the deletes of a committed batch never hold up the next poll); the calling thread deletes itself when the
     * delete threads are behind by more than {@value #MAX_QUEUED_DELETES} batches.
     */
    private void flush(List<String> buffer) {
        if (buffer.isEmpty()) {
            return;
        }
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(buffer.size());
        for (int i = 0; i < buffer.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i)).receiptHandle(buffer.get(i)).build());
        }
        buffer.clear();
        deleters().execute(() -> delete(entries));
    }

    private synchronized ThreadPoolExecutor deleters() {
        if (deleters == null || deleters.isShutdown()) {
            AtomicInteger n = new AtomicInteger();
            deleters = new ThreadPoolExecutor(DELETE_THREADS, DELETE_THREADS, 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_QUEUED_DELETES), r -> {
                        Thread t = new Thread(r, "sqs-delete-" + queue + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.CallerRunsPolicy());
            deleters.allowCoreThreadTimeOut(true);
        }
        return deleters;
    }

    private void delete(List<DeleteMessageBatchRequestEntry> entries) {
        try {
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl.get()).entries(entries));
            if (!response.failed().isEmpty()) {
                LOG.warn("{} of {} deletes failed; those messages will be delivered again (updates are idempotent): {}",
                        response.failed().size(), entries.size(), response.failed().get(0).message());
            }
        } catch (RuntimeException e) {
            LOG.warn("Deleting {} processed messages failed; they will be delivered again (updates are idempotent): {}",
                    entries.size(), e.getMessage());
        }
    }


    /** Deletes what is still buffered and waits (at most 30 s) for the deletes in flight. */
    @Override
    protected void doStop() throws InterruptedException {
        pending.values().forEach(this::flush);
        ThreadPoolExecutor running;
        synchronized (this) {
            running = deleters;
            deleters = null;
        }
        if (running != null) {
            running.shutdown();
            if (!running.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Deletes still in flight after 30 s; those messages will be delivered again (updates are idempotent)");
            }
        }
    }
}
