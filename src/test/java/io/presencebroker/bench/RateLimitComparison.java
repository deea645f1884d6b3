package io.presencebroker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.presencebroker.rate.TokenBucket;

/**
 * bench/rate-limit: the read API's hand-written {@link TokenBucket} against resilience4j's RateLimiter (the library the
 * issue names), in one run, on what the API needs of it: the cost of a decision (one thread, and eight threads at
 * once), how many requests a limit of 50/s lets through from callers that try all the time, how evenly (the largest
 * number in any 100 ms), and whether a refused caller gets a wait to put in Retry-After. Writes
 * bench/results/rate-limit.md.
 */
public final class RateLimitComparison {

    static final int RATE = 50;
    /** Keeps the decisions from being optimised away. */
    static volatile long sink;

    record Limiter(String name, BooleanSupplier tryAcquire) {
    }

    public static void main(String[] args) throws Exception {
        List<String> rows = new ArrayList<>();
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up, the second is reported
            rows.clear();
            for (Limiter limiter : List.of(tokenBucket(1_000_000_000), resilience4j(1_000_000_000))) {
                rows.add("| " + limiter.name() + " | open (1e9/s) | " + costNs(limiter, 1) + " | " + costNs(limiter, 8) + " |");
            }
            for (Limiter limiter : List.of(tokenBucket(RATE), resilience4j(RATE))) {
                rows.add("| " + limiter.name() + " | saturated (" + RATE + "/s) | " + costNs(limiter, 1) + " | "
                        + costNs(limiter, 8) + " |");
            }
        }
        List<String> admission = new ArrayList<>();
        for (Limiter limiter : List.of(tokenBucket(RATE), resilience4j(RATE))) {
            admission.add(admitted(limiter));
        }
        String md = """
                # Read API rate limit: TokenBucket against resilience4j-ratelimiter 2.4.0

                `bench/rate-limit`, %s, %d CPUs. Cost of one decision, ns (median of 5 runs of 2 s; 8 threads: wall
                time per decision with all eight deciding at once):

                | limiter | limit | 1 thread | 8 threads |
                |---|---|---|---|
                %s

                Eight threads asking all the time for 3 s at a limit of %d/s (resilience4j: %d per 1 s period, no
                wait):

                | limiter | admitted in 3 s | most in any 100 ms | wait for Retry-After |
                |---|---|---|---|
                %s
                """.formatted(java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                String.join("\n", rows), RATE, RATE, String.join("\n", admission));
        Path out = Path.of("bench/results/rate-limit.md");
        Files.writeString(out, md);
        System.out.print(md);
    }

    static Limiter tokenBucket(int perSecond) {
        TokenBucket bucket = new TokenBucket("rate", perSecond, perSecond);
        return new Limiter("TokenBucket", () -> bucket.tryAcquire() == 0);
    }

    static Limiter resilience4j(int perSecond) {
        RateLimiter limiter = RateLimiter.of("api", RateLimiterConfig.custom().limitForPeriod(perSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
        return new Limiter("resilience4j", limiter::acquirePermission);
    }

    /** Median ns per decision over 5 runs of 2 s. */
    static long costNs(Limiter limiter, int threads) throws InterruptedException {
        long[] runs = new long[5];
        for (int r = 0; r < runs.length; r++) {
            AtomicLong decisions = new AtomicLong();
            long end = System.nanoTime() + 2_000_000_000L;
            CountDownLatch done = new CountDownLatch(threads);
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                new Thread(() -> {
                    long n = 0;
                    long yes = 0;
                    while ((n & 1023) != 0 || System.nanoTime() < end) {
                        yes += limiter.tryAcquire().getAsBoolean() ? 1 : 0;
                        n++;
                    }
                    decisions.addAndGet(n);
                    sink += yes;
                    done.countDown();
                }).start();
            }
            done.await();
            runs[r] = (System.nanoTime() - start) / Math.max(1, decisions.get());
        }
        java.util.Arrays.sort(runs);
        return runs[runs.length / 2];
    }

    static String admitted(Limiter limiter) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + 3_000_000_000L;
        int[] perTenth = new int[31];
        AtomicLong admitted = new AtomicLong();
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            new Thread(() -> {
                long now;
                while ((now = System.nanoTime()) < end) {
                    if (limiter.tryAcquire().getAsBoolean()) {
                        admitted.incrementAndGet();
                        synchronized (perTenth) {
                            perTenth[(int) ((now - start) / 100_000_000L)]++;
                        }
                    }
                }
                done.countDown();
            }).start();
        }
        done.await();
        int most = java.util.Arrays.stream(perTenth).max().orElse(0);
        String wait = limiter.name().equals("TokenBucket") ? "yes: tryAcquire returns the nanoseconds until a token"
                : "not from acquirePermission; getMetrics().getNanosToWait() separately (a second, racy call)";
        return "| " + limiter.name() + " | " + admitted.get() + " | " + most + " | " + wait + " |";
    }
}
