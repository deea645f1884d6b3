package io.presencebroker.health;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Liveness: DOWN once every database connection attempt has been refused for authentication (a changed password,
 * {@link AuthenticationFailures}) for longer than {@code presence.db.auth-failure-liveness-seconds}. A running task
 * cannot learn the new password (ECS injects the secret at task start), so the only way back is a new task: the
 * container health check (/observe/health/live) fails and ECS replaces the task. Any accepted connection resets it;
 * the database being down or unreachable does not count (a new task would not bring it back: readiness covers that).
 *
 * <p>Connection attempts normally come from the traffic, the readiness check and the circuit breaker's half-open probe.
 * When none has told anything about the credentials for a quarter of the window (an idle service, whose pooled
 * sessions may have been ended since), this check asks the pool for a connection itself, on a thread of its own: the
 * answer never waits for the database.
 */
public class DatabaseCredentialsHealthCheck extends AbstractHealthCheck {

    private final AuthenticationFailures failures;
    private final DataSource dataSource;
    private final long windowMillis;
    private final ExecutorService probeExecutor;
    private final AtomicBoolean probing = new AtomicBoolean();

    public DatabaseCredentialsHealthCheck(AuthenticationFailures failures, DataSource dataSource, Duration window,
                                          ExecutorService probeExecutor) {
        super("presence", "database-credentials");
        this.failures = failures;
        this.dataSource = dataSource;
        this.windowMillis = window.toMillis();
        this.probeExecutor = probeExecutor;
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        probeIfNothingRecent();
        long failingFor = failures.failingForMillis();
        builder.detail("authentication.failing.ms", failingFor).detail("authentication.failures", failures.failures())
                .detail("authentication.window.ms", windowMillis);
        if (failingFor > windowMillis) {
            builder.message("every database connection attempt for " + failingFor / 1000 + " s was refused for"
                    + " authentication (" + failures.lastFailure() + "): the credentials are no longer valid; a new"
                    + " task starts with the current secret").down();
        } else {
            builder.up();
        }
    }

    /** A connection attempt of our own when nothing has told anything about the credentials for a quarter window. */
    void probeIfNothingRecent() {
        if (failures.millisSinceLastVerdict() < Math.max(windowMillis / 4, 1) || !probing.compareAndSet(false, true)) {
            return;
        }
        try {
            probeExecutor.execute(() -> {
                try (Connection ignored = dataSource.getConnection()) {
                    // the data source records the outcome
                } catch (Exception e) {
                    // recorded by the data source when it is an authentication failure; readiness reports the rest
                } finally {
                    probing.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            probing.set(false); // shutting down
        }
    }
}
