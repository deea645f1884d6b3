package io.presencebroker.health;

import java.util.function.LongSupplier;

/**
 * How far behind the presence data of this instance may be: what the delivery decision asks before it trusts a
 * "connected" (docs/delivery.md, "Stale presence"). The lifecycle consumer reports each receive it makes: when, and
 * how long the oldest message it brought had waited in the queue; a long poll's start counts as a receive (nothing
 * was waiting when it started). The data is trusted while the consumer receives
 * (not suspended by its circuit breaker, not stopped, not stuck behind a full buffer, not failing to receive) and what
 * it receives for the first time waited no longer than the bound (a long wait counts for a bound after it was seen).
 * Before the first receive, after a long silence of the consumer, or in a backlog, it is not. It knows only the SQS
 * source: a service fed by the MQTT source alone sees an empty queue, and trusts.
 */
public final class PresenceFreshness {

    private final long boundMillis;
    private final LongSupplier clock;
    private volatile long lastReceiveAt = Long.MIN_VALUE;
    /** The longest wait reported lately: it counts for a bound after it was seen, whatever receives report since. */
    private volatile long lastWaitMillis;
    private volatile long waitSeenAt = Long.MIN_VALUE;
    /** The last receive failed: starts do not count until one succeeds. */
    private boolean failing;

    /** @param boundMillis presence.delivery.presence-max-lag-ms: above it, "connected" is not trusted */
    public PresenceFreshness(long boundMillis) {
        this(boundMillis, System::currentTimeMillis);
    }

    PresenceFreshness(long boundMillis, LongSupplier clock) {
        this.boundMillis = boundMillis;
        this.clock = clock;
    }

    /**
     * A receive of the lifecycle consumer returned; {@code oldestSentMillis} is the SQS SentTimestamp of the oldest
     * message it brought, or a negative number when it brought none (the queue is drained).
     */
    public synchronized void received(long oldestSentMillis) {
        long now = clock.getAsLong();
        long wait = oldestSentMillis < 0 ? 0 : Math.max(0, now - oldestSentMillis);
        // several receivers report: a backlog one of them saw is not cleared by another's fresh messages at once
        if (wait >= lastWaitMillis || now - waitSeenAt > boundMillis) {
            lastWaitMillis = wait;
            waitSeenAt = now;
        }
        lastReceiveAt = now;
        failing = false;
    }

    /**
     * A receive of the lifecycle consumer starts: while it long polls, nothing is waiting in the queue (a long poll
     * returns as soon as a message is there), so the consumer is current as of now. A receive that never returns, or
     * one that returns a backlog, shows as lag again: only a start counts, and for the bound at most.
     */
    public synchronized void receiving() {
        if (!failing) {
            lastReceiveAt = Math.max(lastReceiveAt, clock.getAsLong());
        }
    }

    /**
     * A receive of the lifecycle consumer failed (SQS unreachable, access denied, throttled): until one succeeds again,
     * the starts of receives say nothing (the data ages).
     */
    public synchronized void receiveFailed() {
        failing = true;
    }

    /** Whether a "connected" in the store may be trusted now. */
    public boolean trusted() {
        return lagMillis() <= boundMillis;
    }

    /**
     * How far behind the data may be, in ms: the longer of the time since the consumer's last receive (its start or
     * its return) and how long
     * what it last received had waited; {@code Long.MAX_VALUE} before the first receive.
     */
    public long lagMillis() {
        long at = lastReceiveAt;
        if (at == Long.MIN_VALUE) {
            return Long.MAX_VALUE;
        }
        long now = clock.getAsLong();
        long wait = now - waitSeenAt > boundMillis ? 0 : lastWaitMillis;
        return Math.max(now - at, wait);
    }
}
