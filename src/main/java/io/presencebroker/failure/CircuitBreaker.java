package io.presencebroker.failure;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's circuit breaker, owned by the consumer (no route line can remove it): after {@code failureThreshold}
 * environment faults (database, network, privileges) within {@code failureWindow} the circuit opens and the consumer
 * stops receiving. While it is open, one waiting consumer thread checks the environment every {@code halfOpenAfter}
 * ({@code probe}: what is wrong, or null); the circuit closes, and the consumer receives again, as soon as the probe
 * answers null. Messages not yet processed stay on the queue and come back after their visibility timeout. A
 * message's own fault and an unexpected failure never count: they are one message's, not the environment's.
 */
public final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    private final String name;
    private final Supplier<String> probe;
    private final int failureThreshold;
    private final long failureWindowMillis;
    private final long halfOpenAfterMillis;
    private volatile boolean open;
    private int failures;
    private long firstFailureAt;
    private long nextProbeAt;
    private boolean probing;

    /**
     * @param name  what it suspends, for the log ("the lifecycle events consumer")
     * @param probe what is wrong with the environment now, or null
     */
    public CircuitBreaker(String name, Supplier<String> probe, int failureThreshold, long failureWindowMillis,
                          long halfOpenAfterMillis) {
        this.name = name;
        this.probe = probe;
        this.failureThreshold = failureThreshold;
        this.failureWindowMillis = failureWindowMillis;
        this.halfOpenAfterMillis = halfOpenAfterMillis;
    }

    /** An environment fault of the guarded work (after its in-process retries). */
    public synchronized void failure(Throwable cause) {
        if (open) {
            return;
        }
        long now = System.currentTimeMillis();
        if (failures == 0 || now - firstFailureAt > failureWindowMillis) {
            failures = 0;
            firstFailureAt = now;
        }
        if (++failures >= failureThreshold) {
            open = true;
            nextProbeAt = now + halfOpenAfterMillis;
            LOG.warn("Circuit opened after {} environment failures within {} ms: {} is suspended until the environment"
                    + " works again (last: {})", failures, failureWindowMillis, name,
                    cause == null ? "unknown" : cause.getMessage());
        }
    }

    /** The guarded work succeeded: earlier failures no longer count. */
    public void success() {
        if (failures > 0) {
            synchronized (this) {
                failures = 0;
            }
        }
    }

    public boolean isOpen() {
        return open;
    }

    /** "opened" or "closed", for the health check and the metrics. */
    public String state() {
        return open ? "opened" : "closed";
    }

    /**
     * Returns at once while the circuit is closed; while it is open, waits, checking the environment every
     * halfOpenAfter, until it closes (true) or {@code stop} says to stop waiting (false).
     */
    public boolean awaitClosed(BooleanSupplier stop) throws InterruptedException {
        while (true) {
            synchronized (this) {
                if (!open) {
                    return true;
                }
                if (stop.getAsBoolean()) {
                    return false;
                }
                long wait = nextProbeAt - System.currentTimeMillis();
                if (wait > 0 || probing) {
                    wait(Math.max(1, Math.min(wait > 0 ? wait : halfOpenAfterMillis, 200)));
                    continue;
                }
                probing = true;
            }
            String problem;
            try {
                problem = probe.get();
            } catch (RuntimeException e) {
                problem = e.toString();
            }
            synchronized (this) {
                probing = false;
                if (problem == null) {
                    open = false;
                    failures = 0;
                    LOG.info("Environment works again: {} resumes", name);
                    notifyAll();
                } else {
                    nextProbeAt = System.currentTimeMillis() + halfOpenAfterMillis;
                    LOG.warn("Consumer stays suspended: {}", problem);
                }
            }
        }
    }

    /** Wakes the threads waiting in {@link #awaitClosed}, so that they check their stop condition. */
    public synchronized void wakeUp() {
        notifyAll();
    }
}
