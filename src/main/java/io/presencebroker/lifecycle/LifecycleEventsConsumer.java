package io.presencebroker.lifecycle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.ShutdownPrepared;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import io.presencebroker.health.PresenceFreshness;

/**
 * The lifecycle events consumer. {@code presence.sqs.receivers} threads long poll, each receiving up to
 * {@code presence.sqs.max-messages-per-poll} messages and asking only for the two attributes the poison rule reads,
 * and hand each poll to {@code presence.consumers} worker threads through a buffer of as many polls (a receiver waits
 * while it is full: that is the backpressure). So receives overlap the work, and many are in flight when SQS is far
 * away. A worker, for each poll:
 * <ol>
 * <li>routes each message through the route, one exchange after the other, in its thread: the route's body at the end
 * is the event's {@link RowChanges};</li>
 * <li>hands the routed events to {@link LifecycleApply}: one transaction for the poll's row changes, then the
 * messages that may go are deleted in one DeleteMessageBatch, on a thread of its own.</li>
 * </ol>
 * A message is never deleted before the commit of its effect, or before it is in the dead-letter queue. While a poll is
 * worked on, a timer extends its messages' visibility (ChangeMessageVisibilityBatch, to the queue's own timeout,
 * halfway through it), so slow retries never let another consumer take them; a poll waiting in the buffer is held too.
 * On stop (SIGTERM), nothing new is routed: the events already routed are committed and deleted, and every message
 * received but not started, buffered or from a receive still in flight, is given back to the queue at once (visibility
 * 0). While the circuit breaker is open nothing is received.
 */
public final class LifecycleEventsConsumer extends DefaultConsumer implements ShutdownPrepared {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleEventsConsumer.class);
    private static final List<MessageSystemAttributeName> ATTRIBUTES = List.of(
            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
            MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP,
            // how long the message waited in the queue: how far behind the presence data is (health/PresenceFreshness)
            MessageSystemAttributeName.SENT_TIMESTAMP);

    private final LifecycleEventsEndpoint endpoint;
    private final QueueMessages queue;
    private final LifecycleApply apply;
    private final LifecycleEventsComponent.PollSettings settings;
    private final PresenceFreshness freshness;
    private final Set<Poll> inHand = ConcurrentHashMap.newKeySet();
    private final Object idle = new Object();
    private volatile boolean stopping;
    private int visibilitySeconds;
    private ExecutorService workers;
    private ExecutorService receivers;
    private ScheduledExecutorService keeper;
    private List<Future<?>> running = List.of();
    private BlockingQueue<Poll> received;

    LifecycleEventsConsumer(LifecycleEventsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.queue = endpoint.queue();
        this.apply = endpoint.getComponent().apply();
        this.settings = endpoint.getComponent().settings();
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
            throw new IllegalStateException("Cannot read the VisibilityTimeout of the events queue " + queue.queue()
                    + " (PRESENCE_EVENTS_QUEUE): " + e.getMessage(), e);
        }
        endpoint.getComponent().warmUp().run();
        ExecutorServiceManager threads = endpoint.getCamelContext().getExecutorServiceManager();
        int n = settings.consumers();
        int r = settings.receivers();
        received = new ArrayBlockingQueue<>(n);
        workers = threads.newFixedThreadPool(this, "LifecycleEvents", n);
        receivers = threads.newFixedThreadPool(this, "LifecycleEventsReceive", r);
        keeper = threads.newSingleThreadScheduledExecutor(this, "LifecycleEventsVisibility");
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
        LOG.info("Consuming lifecycle events from {}: {} receives in flight, {} threads routing and committing (visibility"
                + " timeout {} s, extended while a poll is held)", queue.queue(), r, n, visibilitySeconds);
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        if (!suspendOnly) {
            stopRequested();
        }
    }

    private void stopRequested() {
        stopping = true;
        apply.breaker().wakeUp();
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    @Override
    protected void doStop() throws Exception {
        stopRequested();
        for (Future<?> f : running) {
            try {
                f.get(60, TimeUnit.SECONDS); // a long poll returns within its wait time, a commit within its timeouts
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("A lifecycle events thread is still working after 60 s; stopping without it");
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("A lifecycle events thread ended with {}", e.getCause().toString());
            }
        }
        for (Poll poll = received.poll(); poll != null; poll = received.poll()) {
            giveBack(poll); // received, never started
        }
        ExecutorServiceManager threads = endpoint.getCamelContext().getExecutorServiceManager();
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
                if (!apply.breaker().awaitClosed(() -> stopping)) {
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
            LOG.error("Lifecycle events receiver ended; its messages come back after the visibility timeout", e);
        }
    }

    /** A worker: the received polls, one at a time: routed, committed, deleted. */
    private void work() {
        try {
            while (!stopping) {
                Poll poll = received.poll(100, TimeUnit.MILLISECONDS);
                if (poll != null) {
                    handle(poll);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One poll: routed, committed, deleted. A failure here leaves its messages to come back after the timeout. */
    private void handle(Poll poll) throws InterruptedException {
        List<Message> messages = poll.messages;
        List<String> delete = List.of();
        try {
            List<ReceivedEvent.Routed> routed = new ArrayList<>(messages.size());
            for (Message m : messages) {
                if (stopping) {
                    break;
                }
                routed.add(route(received(m)));
            }
            if (routed.size() < messages.size()) {
                giveBackReceipts(QueueMessages.receipts(messages.subList(routed.size(), messages.size())));
            }
            delete = apply.apply(routed, getRouteId(), queue.queue(), () -> stopping, false).stream()
                    .map(ReceivedEvent::receiptHandle).toList();
            if (stopping) {
                List<String> left = QueueMessages.receipts(messages.subList(0, routed.size()));
                left.removeAll(delete);
                giveBackReceipts(left); // failed ones: back to the queue at once, for another task
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.error("A poll of {} lifecycle events failed; they come back after the visibility timeout",
                    messages.size(), e);
        } finally {
            inHand.remove(poll);
        }
        queue.delete(delete);
    }

    /** One long poll; an empty list after a failure (logged), once a second at most. */
    private List<Message> receive() throws InterruptedException {
        try {
            List<Message> messages = queue.receive(settings.maxMessagesPerPoll(), settings.waitTimeSeconds(), ATTRIBUTES);
            freshness.received(oldestSent(messages)); // a failed receive reports nothing: silence makes it stale
            return messages;
        } catch (RuntimeException e) {
            LOG.warn("Receiving from {} failed, trying again in 1 s: {}", queue.queue(), e.getMessage());
            synchronized (idle) {
                if (!stopping) {
                    idle.wait(1000); // a pause after a failed receive, cut short by a stop
                }
            }
            return List.of();
        }
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
        apply.apply(List.of(route(event)), getRouteId(), null, () -> stopping, true);
    }

    private void giveBack(Poll poll) {
        try {
            giveBackReceipts(QueueMessages.receipts(poll.messages));
        } finally {
            inHand.remove(poll);
        }
    }

    private void giveBackReceipts(List<String> receipts) {
        if (!receipts.isEmpty()) {
            queue.changeVisibility(receipts, 0);
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
