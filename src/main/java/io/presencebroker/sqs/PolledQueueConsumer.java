package io.presencebroker.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.ShutdownPrepared;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The poll protocol the service's SQS consumers share (the lifecycle events, the outbox). {@code receivers} threads
 * long poll, each receiving up to {@code maxMessagesPerPoll} messages with only the attributes the flow reads, and
 * hand each poll to {@code consumers} worker threads through a buffer of as many polls (a receiver waits while it is
 * full: that is the backpressure). So receives overlap the work, and many are in flight when SQS is far away. A
 * worker hands a poll to {@link #handle}, which says which of its messages may be deleted; they go in one
 * DeleteMessageBatch on a thread of its own. A message is deleted only when {@link #handle} says so.
 * <p>
 * While a poll is in hand, a timer extends its messages' visibility (ChangeMessageVisibilityBatch, to the queue's
 * own timeout, halfway through it), so a slow poll is never taken by another consumer; a poll waiting in the buffer
 * is held too. On stop (SIGTERM) {@link #stopAsked()} turns true (the flow finishes what it started and gives back
 * the rest), and every message received but not started, buffered or from a receive still in flight, is given back
 * to the queue at once (visibility 0). None of this is a route option.
 */
public abstract class PolledQueueConsumer extends DefaultConsumer implements ShutdownPrepared {

    private static final Logger LOG = LoggerFactory.getLogger(PolledQueueConsumer.class);

    /** How a consumer polls: worker threads, receives in flight, messages per receive, long-poll wait. */
    public record PollSettings(int consumers, int receivers, int maxMessagesPerPoll, int waitTimeSeconds) {
    }

    private final QueueMessages queue;
    private final PollSettings settings;
    private final List<MessageSystemAttributeName> attributes;
    private final String name;
    private final Set<Poll> inHand = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    private volatile boolean stopping;
    private int visibilitySeconds;
    private ExecutorService workers;
    private ExecutorService receivers;
    private ScheduledExecutorService keeper;
    private List<Future<?>> running = List.of();
    private BlockingQueue<Poll> received;

    /**
     * @param name       the thread names' prefix and what the log calls the messages (e.g. "LifecycleEvents")
     * @param attributes the SQS system attributes each receive asks for
     */
    protected PolledQueueConsumer(Endpoint endpoint, Processor processor, QueueMessages queue, PollSettings settings,
                                  List<MessageSystemAttributeName> attributes, String name) {
        super(endpoint, processor);
        this.queue = queue;
        this.settings = settings;
        this.attributes = attributes;
        this.name = name;
    }

    /**
     * One poll's messages, worked on in the calling (worker) thread: returns the receipt handles of those that may be
     * deleted now (their effect committed, or safely dead-lettered). The others come back after the visibility
     * timeout, or at once when given back ({@link #giveBack}). An exception leaves all of them to come back.
     */
    protected abstract List<String> handle(List<Message> messages) throws Exception;

    /** Before the threads start (e.g. a warm-up). */
    protected void starting() throws Exception {
    }

    /** Before each receive: false to end the receiver (stopping). The lifecycle consumer waits here while suspended. */
    protected boolean awaitReady() throws InterruptedException {
        return !stopping;
    }

    /** Just before each receive. */
    protected void receiving() {
    }

    /** After a receive that failed (it is tried again a second later). */
    protected void receiveFailed() {
    }

    /** After each successful receive, with what it returned (possibly nothing). */
    protected void received(List<Message> messages) {
    }

    /** A stop was asked for: wake whatever waits in {@link #awaitReady}. */
    protected void stopRequested() {
    }

    protected final boolean stopAsked() {
        return stopping;
    }

    protected final QueueMessages queue() {
        return queue;
    }

    /** These messages go back to the queue at once (visibility 0), for another consumer. */
    protected final void giveBack(List<String> receipts) {
        if (!receipts.isEmpty()) {
            queue.changeVisibility(receipts, 0);
        }
    }

    /** The messages of one receive, while a thread works on them. */
    private final class Poll {
        final List<Message> messages;
        volatile long visibleUntil;

        Poll(List<Message> messages) {
            this.messages = messages;
            this.visibleUntil = System.currentTimeMillis() + visibilitySeconds * 1000L;
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stopping = false;
        try {
            visibilitySeconds = queue.visibilityTimeoutSeconds();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot read the VisibilityTimeout of queue " + queue.queue() + ": "
                    + e.getMessage(), e);
        }
        starting();
        ExecutorServiceManager threads = getEndpoint().getCamelContext().getExecutorServiceManager();
        int n = settings.consumers();
        int r = settings.receivers();
        received = new ArrayBlockingQueue<>(n);
        workers = threads.newFixedThreadPool(this, name, n);
        receivers = threads.newFixedThreadPool(this, name + "Receive", r);
        keeper = threads.newSingleThreadScheduledExecutor(this, name + "Visibility");
        long period = Math.max(200, visibilitySeconds * 1000L / 4);
        keeper.scheduleWithFixedDelay(this::extendVisibility, period, period, TimeUnit.MILLISECONDS);
        List<Future<?>> started = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            started.add(receivers.submit(this::receiveLoop));
        }
        for (int i = 0; i < n; i++) {
            started.add(workers.submit(this::work));
        }
        running = started;
        LOG.info("Consuming {} from {}: {} receives in flight, {} threads working (visibility timeout {} s, extended"
                + " while a poll is held)", name, queue.queue(), r, n, visibilitySeconds);
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        if (!suspendOnly) {
            requestStop();
        }
    }

    private void requestStop() {
        stopping = true;
        stopRequested();
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    @Override
    protected void doStop() throws Exception {
        requestStop();
        for (Future<?> f : running) {
            try {
                f.get(60, TimeUnit.SECONDS); // a long poll returns within its wait time, a commit within its timeouts
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("A {} thread is still working after 60 s; stopping without it", name);
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("A {} thread ended with {}", name, e.getCause().toString());
            }
        }
        for (Poll poll = received.poll(); poll != null; poll = received.poll()) {
            giveBack(poll); // received, never started
        }
        ExecutorServiceManager threads = getEndpoint().getCamelContext().getExecutorServiceManager();
        threads.shutdownNow(keeper);
        threads.shutdownNow(receivers);
        threads.shutdownNow(workers);
        queue.awaitDeletes(20);
        super.doStop();
    }

    /** A receiver: long polls, one after the other, handed to the workers (it waits while they are all busy). */
    private void receiveLoop() {
        try {
            while (!stopping) {
                if (!awaitReady()) {
                    return;
                }
                List<Message> messages = receive();
                if (messages.isEmpty()) {
                    continue;
                }
                Poll poll = new Poll(messages);
                inHand.add(poll);
                while (!received.offer(poll, 100, TimeUnit.MILLISECONDS)) {
                    if (stopping) {
                        giveBack(poll);
                        return;
                    }
                }
                if (stopping) {
                    // the workers may be gone: whatever is still buffered is given back by doStop
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("A {} receiver ended; its messages come back after the visibility timeout", name, e);
        }
    }

    /** A worker: the received polls, one at a time. */
    private void work() {
        try {
            while (!stopping) {
                Poll poll = received.poll(100, TimeUnit.MILLISECONDS);
                if (poll != null) {
                    try {
                        handle(poll);
                    } catch (RuntimeException | Error e) {
                        // the worker goes on with the next poll; this one's messages come back after the timeout
                        LOG.error("A {} worker's poll ended with an unexpected failure", name, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(Poll poll) throws InterruptedException {
        List<String> delete = List.of();
        try {
            delete = handle(poll.messages);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.error("A poll of {} {} messages failed; they come back after the visibility timeout",
                    poll.messages.size(), name, e);
        } finally {
            inHand.remove(poll);
        }
        queue.delete(delete);
    }

    /** One long poll; an empty list after a failure (logged), once a second at most. */
    private List<Message> receive() throws InterruptedException {
        try {
            receiving();
            List<Message> messages = queue.receive(settings.maxMessagesPerPoll(), settings.waitTimeSeconds(), attributes);
            received(messages);
            return messages;
        } catch (RuntimeException e) {
            receiveFailed();
            LOG.warn("Receiving from {} failed, trying again in 1 s: {}", queue.queue(), e.getMessage());
            synchronized (idle) {
                if (!stopping) {
                    idle.wait(1000); // a pause after a failed receive, cut short by a stop
                }
            }
            return List.of();
        }
    }

    private void giveBack(Poll poll) {
        try {
            giveBack(QueueMessages.receipts(poll.messages));
        } finally {
            inHand.remove(poll);
        }
    }

    /** Halfway through the visibility timeout of a poll still in hand, its messages get a whole timeout more. */
    private void extendVisibility() {
        long now = System.currentTimeMillis();
        for (Poll poll : inHand) {
            if (poll.visibleUntil - now < visibilitySeconds * 500L) {
                queue.changeVisibility(QueueMessages.receipts(poll.messages), visibilitySeconds);
                poll.visibleUntil = now + visibilitySeconds * 1000L;
            }
        }
    }
}
