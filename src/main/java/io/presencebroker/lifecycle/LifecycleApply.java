package io.presencebroker.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.failure.CircuitBreaker;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailureClassifier;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.failure.Retries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to the routed events of a poll (or of one MQTT event), after the lifecycle route: the row changes of
 * all of them committed in one transaction ({@link PresenceWriter}), retried in process with backoff while the
 * environment fails; an event whose route failed dead-lettered (its own fault, or a poison message) or left on the
 * queue; the counts. It says which messages may be deleted: only those whose effect is committed, that changed
 * nothing, or that are safely in the dead-letter queue. The circuit breaker hears of every environment fault that
 * outlasts the retries, and the poison rule of this flow hears only of this flow's commits.
 */
public class LifecycleApply {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleApply.class);

    private final PresenceWriter writer;
    private final PresenceMetrics metrics;
    private final CircuitBreaker breaker;
    private final FailurePolicy poison;
    private final DeadLetterSender deadLetters;
    private final Retries retries;

    public LifecycleApply(PresenceWriter writer, PresenceMetrics metrics, CircuitBreaker breaker, FailurePolicy poison,
                          DeadLetterSender deadLetters, Retries retries) {
        this.writer = writer;
        this.metrics = metrics;
        this.breaker = breaker;
        this.poison = poison;
        this.deadLetters = deadLetters;
        this.retries = retries;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Commits the row changes of {@code routed} and deals with the failed ones. Returns the events that may be deleted
     * now; the others stay on the queue (they come back after the visibility timeout). Throws only what
     * {@code stopRetrying} cut short or what outlasted the retries, when {@code throwOnFailure} (the MQTT source, which
     * hands such an event to the SQS queue).
     *
     * @param routeId      the route the events went through, for the dead-letter attributes
     * @param sourceQueue  the queue they came from, where a replay sends a dead-lettered one back (null: MQTT)
     * @param stopRetrying true once the consumer is stopping: no further attempt after the current one
     */
    public List<ReceivedEvent> apply(List<ReceivedEvent.Routed> routed, String routeId, String sourceQueue,
                                     BooleanSupplier stopRetrying, boolean throwOnFailure) throws Exception {
        List<ReceivedEvent> done = new ArrayList<>(routed.size());
        List<ReceivedEvent.Routed> updates = new ArrayList<>(routed.size());
        for (ReceivedEvent.Routed r : routed) {
            if (r.failure() != null) {
                if (failed(r, r.failure(), routeId, sourceQueue, throwOnFailure)) {
                    done.add(r.event());
                }
            } else if (r.changes() == null || r.changes().isEmpty()) {
                if (r.changes() == null) {
                    metrics.count(r.eventType(), "dropped"); // a filter in the route stopped it, or no branch decided
                }
                done.add(r.event());
            } else {
                updates.add(r);
            }
        }
        if (!updates.isEmpty()) {
            commit(updates, done, routeId, sourceQueue, stopRetrying, throwOnFailure);
        }
        return done;
    }

    private void commit(List<ReceivedEvent.Routed> updates, List<ReceivedEvent> done, String routeId, String sourceQueue,
                        BooleanSupplier stopRetrying, boolean throwOnFailure) throws Exception {
        List<RowUpdate> rows = new ArrayList<>();
        for (ReceivedEvent.Routed r : updates) {
            rows.addAll(r.changes().rows());
        }
        boolean[] applied;
        try {
            applied = withRetries(rows, stopRetrying);
        } catch (Exception e) {
            if (FailureClassifier.isEnvironmental(e)) {
                breaker.failure(e);
                LOG.warn("Commit of {} events failed after the retries; their messages stay on the queue and come back"
                        + " after the visibility timeout: {}", updates.size(), e.getMessage());
                updates.forEach(r -> metrics.count(r.eventType(), "retry_later"));
                if (throwOnFailure) {
                    throw e;
                }
                return;
            }
            // a value the schema cannot hold, or a bug one event triggers: find it, one transaction per event
            oneByOne(updates, done, routeId, sourceQueue, stopRetrying, throwOnFailure);
            return;
        }
        committed();
        int from = 0;
        for (ReceivedEvent.Routed r : updates) {
            from = counted(r, applied, from, done);
        }
    }

    private void oneByOne(List<ReceivedEvent.Routed> updates, List<ReceivedEvent> done, String routeId,
                          String sourceQueue, BooleanSupplier stopRetrying, boolean throwOnFailure) throws Exception {
        for (ReceivedEvent.Routed r : updates) {
            boolean[] applied;
            try {
                applied = withRetries(r.changes().rows(), stopRetrying);
            } catch (Exception e) {
                if (failed(r, e, routeId, sourceQueue, throwOnFailure)) {
                    done.add(r.event());
                }
                continue;
            }
            committed();
            counted(r, applied, 0, done);
        }
    }

    /**
     * A committed event: applied when any of its rows (from {@code from} in {@code applied}) changed, else stale; it may
     * be deleted. Returns where the next event's rows start.
     */
    private int counted(ReceivedEvent.Routed r, boolean[] applied, int from, List<ReceivedEvent> done) {
        int to = from + r.changes().rows().size();
        boolean any = false;
        for (int i = from; i < to; i++) {
            any |= applied[i];
        }
        metrics.countApplied(r.eventType(), r.changes().eventTimestamp(), any);
        done.add(r.event());
        return to;
    }

    /**
     * A failed event: dead-lettered when it is its own fault or a poison message (true: it may be deleted), else left
     * on the queue (false); an environment fault also goes to the circuit breaker.
     */
    private boolean failed(ReceivedEvent.Routed r, Exception e, String routeId, String sourceQueue,
                           boolean throwOnFailure) throws Exception {
        FailureClassifier.Kind kind = FailureClassifier.classify(e);
        if (kind == FailureClassifier.Kind.ENVIRONMENT || kind == FailureClassifier.Kind.UNEXPECTED
                && !poison.isPoison(r.event().sqsAttributes())) {
            if (kind == FailureClassifier.Kind.ENVIRONMENT) {
                breaker.failure(e);
            }
            LOG.warn("{} failure of event {}, left on the queue for redelivery: {}",
                    kind == FailureClassifier.Kind.ENVIRONMENT ? "Environment" : "Unexpected", r.event().headers(),
                    e.toString());
            metrics.count(r.eventType(), "retry_later");
            if (throwOnFailure) {
                throw e;
            }
            return false;
        }
        try {
            deadLetters.send(r.event().body(), r.event().headers(), routeId, sourceQueue, r.eventType(), e);
            return true;
        } catch (RuntimeException dlq) {
            LOG.warn("Dead-lettering event {} failed; it stays on the queue: {}", r.event().headers(), dlq.getMessage());
            if (throwOnFailure) {
                throw dlq;
            }
            return false;
        }
    }

    private void committed() {
        breaker.success();
        poison.committed();
    }

    /** One transaction, tried again after an environment fault (presence.retry.*). */
    private boolean[] withRetries(List<RowUpdate> rows, BooleanSupplier stopRetrying) throws Exception {
        return retries.call("a commit of " + rows.size() + " rows", () -> writer.apply(rows), stopRetrying);
    }
}
