package io.presencebroker.rate;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A request budget: a token bucket of {@code perSecond} tokens refilled continuously, one token per request, holding
 * at most {@code burst} tokens (so in any interval of t seconds at most {@code burst + perSecond * t} requests pass).
 * Shared by all callers of one instance. The read API's rate limit (a burst of one second's worth) and the
 * reconciliation's budget of AWS IoT requests (no burst) are both one.
 */
public final class TokenBucket {

    private final double perSecond;
    private final double capacity;
    private final LongSupplier nanoClock;
    private double tokens;
    private long refilledAt;

    /** @param setting the setting the rate comes from, named in the error of a rate below 1 */
    public TokenBucket(String setting, double perSecond, int burst) {
        this(setting, perSecond, burst, System::nanoTime);
    }

    public TokenBucket(String setting, double perSecond, int burst, LongSupplier nanoClock) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException(setting + " must be positive (a burst of at least 1): " + perSecond);
        }
        this.perSecond = perSecond;
        this.capacity = burst;
        this.nanoClock = nanoClock;
        this.tokens = capacity;
        this.refilledAt = nanoClock.getAsLong();
    }

    /** Takes a token: 0 when the request may go ahead, else the nanoseconds until a token is there. */
    public synchronized long tryAcquire() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / perSecond * 1e9);
    }

    /** Waits for a token; false (no token taken) when {@code stop} turns true or the thread is interrupted first. */
    public boolean acquire(BooleanSupplier stop) {
        long wait;
        while ((wait = tryAcquire()) > 0) {
            if (stop.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(wait, 100_000_000L));
        }
        return true;
    }
}
