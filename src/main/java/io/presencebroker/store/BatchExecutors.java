package io.presencebroker.store;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;

/**
 * Where the lifecycle route's {@code aggregate} commits a completed batch (its {@code executorService} and
 * {@code timeoutCheckerExecutorService}).
 * <p>
 * Camel 4's default hands every completed batch to one shared "Aggregator" thread: all consumers' batches were
 * committed one after another by that thread while the consumers polled on (seconds of lag at a few hundred events/s,
 * and no backpressure). Here a batch completed by its poll's last message is committed at once in that consumer's
 * thread, outside the aggregator's lock, so the consumers commit in parallel and poll again only afterwards. A batch
 * completed by the timeout (its poll's last message was dead-lettered or ignored) is completed by the timeout checker
 * while it holds the aggregator's lock; committing it there would block every consumer for as long as the commit
 * takes (seconds when the database is down), so it goes to one separate thread instead.
 */
public final class BatchExecutors extends ServiceSupport {

    private volatile Thread checkerThread;
    private final ScheduledExecutorService timeoutChecker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = daemon(r, "lifecycle-batch-timeout-checker");
        checkerThread = t;
        return t;
    });
    private final ExecutorService timedOutBatches = Executors.newSingleThreadExecutor(
            r -> daemon(r, "lifecycle-batch-timed-out"));
    private final ExecutorService completion = new CallerOrHandOff();

    public ScheduledExecutorService timeoutChecker() {
        return timeoutChecker;
    }

    public ExecutorService completion() {
        return completion;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Runs in the calling thread, except on the timeout checker's thread, from which it hands off. */
    private final class CallerOrHandOff extends AbstractExecutorService {
        @Override
        public void execute(Runnable command) {
            if (Thread.currentThread() == checkerThread) {
                timedOutBatches.execute(command);
            } else {
                command.run();
            }
        }

        @Override
        public void shutdown() {
            // owned by BatchExecutors: stopped with the context
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }
    }

    @Override
    protected void doStop() throws Exception {
        timeoutChecker.shutdown();
        timedOutBatches.shutdown();
        timedOutBatches.awaitTermination(30, TimeUnit.SECONDS);
    }
}
