package io.presencebroker.failure;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process retries of a step that failed for the environment (presence.retry.*): 1 + maxRedeliveries attempts,
 * the backoff doubling from delayMillis up to maxDelayMillis, with jitter. A fault that is not the environment's
 * ({@link FailureClassifier#isEnvironmental}) is not retried.
 */
public record Retries(int maxRedeliveries, long delayMillis, long maxDelayMillis) {

    private static final Logger LOG = LoggerFactory.getLogger(Retries.class);

    /** One attempt of the step. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /**
     * Runs {@code attempt} until it succeeds, fails for a reason that is not the environment's, runs out of attempts,
     * or {@code stop} turns true; throws the last failure.
     *
     * @param what what the attempt does, for the log ("a commit of 12 rows")
     */
    public <T> T call(String what, Attempt<T> attempt, BooleanSupplier stop) throws Exception {
        long delay = delayMillis;
        for (int n = 0; ; n++) {
            try {
                return attempt.run();
            } catch (Exception e) {
                if (!FailureClassifier.isEnvironmental(e) || n >= maxRedeliveries || stop.getAsBoolean()) {
                    throw e;
                }
                LOG.warn("Transient failure of {} (attempt {} of {}), retried in {} ms: {}", what, n + 1,
                        maxRedeliveries + 1, delay, e.getMessage());
                // backoff with jitter between the attempts (not synchronisation)
                Thread.sleep(Math.max(1, (long) (delay * (0.85 + 0.3 * ThreadLocalRandom.current().nextDouble()))));
                delay = Math.min(delay * 2, Math.max(maxDelayMillis, delayMillis));
            }
        }
    }
}
