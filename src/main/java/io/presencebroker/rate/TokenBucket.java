package io.presencebroker.api;

import java.util.function.LongSupplier;

/**
 * The read API's rate limit: a token bucket of {@code perSecond} tokens, refilled continuously, one token per
 * request; a full bucket allows a burst of {@code perSecond} requests. Shared by all callers of one instance.
 */
public final class TokenBucket {

    private final double perSecond;
    private final double capacity;
    private final LongSupplier nanoClock;
    private double tokens;
    private long refilledAt;

    public TokenBucket(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    TokenBucket(int perSecond, LongSupplier nanoClock) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("presence.api.rate-limit-per-second must be at least 1: " + perSecond);
        }
        this.perSecond = perSecond;
        this.capacity = perSecond;
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
}
