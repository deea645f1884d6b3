package io.presencebroker.sqs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The service's one way to one SQS queue (AWS SDK v2): sends (SendMessageBatch, 10 a call, the calls of one send in
 * flight together, what SQS did not take named by position; SendMessage with attributes), receives, and what a
 * consumer does with the messages it received, by receipt handle and in batches of ten:
 * deletes them once their effect is committed (DeleteMessageBatch, on threads of their own so that the next poll does
 * not wait; the calling thread deletes itself when those are {@value #MAX_QUEUED_DELETES} batches behind), and
 * changes their visibility (ChangeMessageVisibilityBatch: extended while they are worked on, 0 to give them back).
 * A failed delete or visibility change is logged: the message comes back after its visibility timeout, and the
 * idempotent updates absorb a redelivery of a committed event.
 */
public final class QueueMessages {

    private static final Logger LOG = LoggerFactory.getLogger(QueueMessages.class);
    static final int MAX_BATCH = 10;
    /**
     * Deletes in flight at once: with SQS 8 ms away each way a delete takes 16 ms, so 4 threads capped the deletes at
     * about 2,500 messages/s (bench/run --passes proxy); the threads end when idle.
     */
    private static final int DELETE_THREADS = 16;
    private static final int MAX_QUEUED_DELETES = 64;

    private final SqsClient sqs;
    private final String queue;
    private final QueueUrl url;
    private ThreadPoolExecutor deleters;
    private ExecutorService senders;
    /** Batches of one send in flight at once besides the caller's (the threads end when idle). */
    private static final int SEND_THREADS = 8;

    public QueueMessages(SqsClient sqs, String queue) {
        this.sqs = sqs;
        this.queue = queue;
        this.url = new QueueUrl(sqs, queue);
    }

    public String queue() {
        return queue;
    }

    /** The queue's VisibilityTimeout in seconds (GetQueueAttributes). */
    public int visibilityTimeoutSeconds() {
        return Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(url.get())
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).attributes()
                .get(QueueAttributeName.VISIBILITY_TIMEOUT));
    }

    /**
     * Sends these bodies, up to ten per SendMessageBatch; throws when SQS did not take all of them (the caller
     * retries: the ones it took may then arrive twice, never not at all).
     */
    public void send(List<String> bodies) {
        Refused refused = trySend(bodies);
        if (!refused.none()) {
            throw new IllegalStateException(queue + " refused " + refused.positions().size() + " of " + bodies.size()
                    + " message(s): " + refused.reason());
        }
    }

    /**
     * Sends these bodies, up to ten per SendMessageBatch, the batches in flight together; returns the positions (in
     * {@code bodies}) of those SQS did not take, with the first reason: refused entries, and every entry of a call
     * that failed. Empty when all went.
     */
    public Refused trySend(List<String> bodies) {
        int batches = (bodies.size() + MAX_BATCH - 1) / MAX_BATCH;
        List<CompletableFuture<Refused>> sent = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
            int from = b * MAX_BATCH;
            int to = Math.min(from + MAX_BATCH, bodies.size());
            List<String> part = bodies.subList(from, to);
            sent.add(b == batches - 1 ? CompletableFuture.completedFuture(trySendBatch(part, from)) // the last here
                    : CompletableFuture.supplyAsync(() -> trySendBatch(part, from), senders()));
        }
        Set<Integer> refused = new TreeSet<>();
        String reason = null;
        for (CompletableFuture<Refused> f : sent) {
            Refused r = f.join();
            refused.addAll(r.positions());
            reason = reason != null ? reason : r.reason();
        }
        return new Refused(refused, reason);
    }

    private Refused trySendBatch(List<String> batch, int offset) {
        Set<Integer> refused = new TreeSet<>();
        String reason = null;
        try {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(String.valueOf(i)).messageBody(batch.get(i)).build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(url.get()).entries(entries));
            for (var failed : response.failed()) {
                refused.add(offset + Integer.parseInt(failed.id()));
                reason = reason != null ? reason : failed.code() + (Boolean.TRUE.equals(failed.senderFault())
                        ? " (sender fault)" : "") + ": " + failed.message();
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < batch.size(); i++) {
                refused.add(offset + i);
            }
            reason = e.toString();
        }
        return new Refused(refused, reason);
    }

    /** Sends one message with these String message attributes (SendMessage); throws when SQS refused it. */
    public void send(String body, Map<String, String> attributes) {
        Map<String, MessageAttributeValue> values = new LinkedHashMap<>();
        attributes.forEach((name, value) -> values.put(name,
                MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        sqs.sendMessage(b -> b.queueUrl(url.get()).messageBody(body).messageAttributes(values));
    }

    /** What {@link #trySend} could not send: positions, and the first reason (null when none). */
    public record Refused(Set<Integer> positions, String reason) {
        public boolean none() {
            return positions.isEmpty();
        }
    }

    /** One long poll: up to {@code max} messages, waiting up to {@code waitSeconds}, with these system attributes. */
    public List<Message> receive(int max, int waitSeconds, List<MessageSystemAttributeName> attributes) {
        return sqs.receiveMessage(b -> b.queueUrl(url.get()).maxNumberOfMessages(max).waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(attributes).overrideConfiguration(longPoll(waitSeconds))).messages();
    }

    /**
     * As {@link #receive(int, int, List)}, with every message attribute, held for {@code visibilitySeconds} (the
     * dead-letter queue's reader).
     */
    public List<Message> receiveWithMessageAttributes(int max, int waitSeconds, int visibilitySeconds,
                                                      List<MessageSystemAttributeName> attributes) {
        return sqs.receiveMessage(b -> b.queueUrl(url.get()).maxNumberOfMessages(max).waitTimeSeconds(waitSeconds)
                .visibilityTimeout(visibilitySeconds).messageSystemAttributeNames(attributes)
                .messageAttributeNames("All").overrideConfiguration(longPoll(waitSeconds))).messages();
    }

    /** A receive may take its long-poll wait: its call timeout is that wait and 10 s, not the client's. */
    private static Consumer<AwsRequestOverrideConfiguration.Builder> longPoll(int waitSeconds) {
        return o -> o.apiCallTimeout(Duration.ofSeconds(waitSeconds + 10L));
    }

    /** Deletes one message now, in the calling thread; throws when SQS refused. */
    public void deleteNow(String receiptHandle) {
        sqs.deleteMessage(b -> b.queueUrl(url.get()).receiptHandle(receiptHandle));
    }

    /** The queue's approximate number of visible messages. */
    public long visibleCount() {
        String count = sqs.getQueueAttributes(b -> b.queueUrl(url.get())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        return count == null ? 0 : Long.parseLong(count);
    }

    /** The receipt handles of these messages, for {@link #delete} and {@link #changeVisibility}. */
    public static List<String> receipts(List<Message> messages) {
        List<String> receipts = new ArrayList<>(messages.size());
        for (Message m : messages) {
            receipts.add(m.receiptHandle());
        }
        return receipts;
    }

    /** Deletes these messages (by receipt handle), in batches of ten, on the delete threads. */
    public void delete(List<String> receipts) {
        for (int from = 0; from < receipts.size(); from += MAX_BATCH) {
            List<String> part = receipts.subList(from, Math.min(receipts.size(), from + MAX_BATCH));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(part.size());
            for (int i = 0; i < part.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i)).receiptHandle(part.get(i)).build());
            }
            deleters().execute(() -> deleteBatch(entries));
        }
    }

    private void deleteBatch(List<DeleteMessageBatchRequestEntry> entries) {
        try {
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(url.get()).entries(entries));
            if (!response.failed().isEmpty()) {
                LOG.warn("{} of {} deletes failed; those messages will be delivered again (updates are idempotent): {}",
                        response.failed().size(), entries.size(), response.failed().get(0).message());
            }
        } catch (RuntimeException e) {
            LOG.warn("Deleting {} processed messages failed; they will be delivered again (updates are idempotent): {}",
                    entries.size(), e.getMessage());
        }
    }

    /**
     * Sets the visibility timeout of these messages (by receipt handle) to {@code seconds} from now, in batches of ten,
     * in the calling thread: 0 gives them back to the queue at once. False when any change failed.
     */
    public boolean changeVisibility(List<String> receipts, int seconds) {
        return tryChangeVisibility(receipts, seconds).none();
    }

    /** As {@link #changeVisibility}: the positions (in {@code receipts}) whose change failed, with the first reason. */
    public Refused tryChangeVisibility(List<String> receipts, int seconds) {
        Set<Integer> refused = new TreeSet<>();
        String reason = null;
        for (int from = 0; from < receipts.size(); from += MAX_BATCH) {
            List<String> part = receipts.subList(from, Math.min(receipts.size(), from + MAX_BATCH));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(part.size());
            for (int i = 0; i < part.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(String.valueOf(i))
                        .receiptHandle(part.get(i)).visibilityTimeout(seconds).build());
            }
            try {
                ChangeMessageVisibilityBatchResponse response = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url.get())
                        .entries(entries));
                for (var failed : response.failed()) {
                    refused.add(from + Integer.parseInt(failed.id()));
                    reason = reason != null ? reason : failed.code() + ": " + failed.message();
                }
                if (!response.failed().isEmpty()) {
                    LOG.debug("{} of {} visibility changes failed (deleted meanwhile?): {}", response.failed().size(),
                            entries.size(), response.failed().get(0).message());
                }
            } catch (RuntimeException e) {
                for (int i = 0; i < part.size(); i++) {
                    refused.add(from + i);
                }
                reason = reason != null ? reason : e.getMessage();
                LOG.warn("Changing the visibility of {} messages of {} to {} s failed: {}", entries.size(), queue, seconds,
                        e.getMessage());
            }
        }
        return new Refused(refused, reason);
    }

    /** The queue's URL (resolved once); throws when the queue does not exist. */
    public String url() {
        return url.get();
    }

    /** The threads that send the batches of one {@link #trySend} but its last (which the caller sends). */
    private synchronized ExecutorService senders() {
        if (senders == null) {
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(SEND_THREADS, SEND_THREADS, 10, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "sqs-send-" + queue + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            senders = pool;
        }
        return senders;
    }

    private synchronized ThreadPoolExecutor deleters() {
        if (deleters == null || deleters.isShutdown()) {
            AtomicInteger n = new AtomicInteger();
            deleters = new ThreadPoolExecutor(DELETE_THREADS, DELETE_THREADS, 10, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_QUEUED_DELETES), r -> {
                        Thread t = new Thread(r, "sqs-delete-" + queue + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.CallerRunsPolicy());
            deleters.allowCoreThreadTimeOut(true);
        }
        return deleters;
    }

    /** Waits (at most {@code seconds}) for the deletes in flight; later deletes start new threads. */
    public void awaitDeletes(int seconds) throws InterruptedException {
        ThreadPoolExecutor running;
        synchronized (this) {
            running = deleters;
            deleters = null;
        }
        if (running != null) {
            running.shutdown();
            if (!running.awaitTermination(seconds, TimeUnit.SECONDS)) {
                LOG.warn("Deletes still in flight after {} s; those messages will be delivered again (updates are"
                        + " idempotent)", seconds);
            }
        }
    }
}
