package io.presencebroker.health;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database has refused the service's credentials on every connection attempt since some moment: what a
 * password changed under a running task (a single-user Secrets Manager rotation) looks like once the pool's old
 * sessions have ended. {@link #record} is told every failed connection attempt, {@link #success} every successful
 * one (see {@link AuthenticationTrackingDataSource}); the liveness check {@link DatabaseCredentialsHealthCheck} reads
 * how long the streak has lasted. Only an authentication failure starts or extends the streak, only a success ends
 * it: other failures (database down, network, pool exhausted) say nothing about the credentials and change nothing.
 */
public final class AuthenticationFailures {

    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFailures.class);

    /**
     * MySQL/MariaDB errors that mean "these credentials are not (or no longer) accepted": 1045 access denied (wrong
     * password or unknown user), 1698 access denied without a password, 1044 access denied to the database named in the
     * URL (a user without its grants), 1820/1862 password expired, 3118 (MySQL) and 4151 (MariaDB) account locked.
     * SQL state 28000 (invalid authorization) too, whatever the code.
     */
    static final Set<Integer> AUTHENTICATION_ERRORS = Set.of(1044, 1045, 1698, 1820, 1862, 3118, 4151);

    private final LongSupplier nanoTime;
    private boolean failing;
    private long failingSince;
    private long lastVerdict;
    private boolean anyVerdict;
    private long failures;
    private String lastFailure;
    private volatile Runnable onRefusal = () -> { };

    public AuthenticationFailures() {
        this(System::nanoTime);
    }

    /** With the clock to use (tests). */
    public AuthenticationFailures(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A connection attempt failed: starts or extends the streak if the failure is an authentication failure. */
    public void record(Throwable failure) {
        SQLException refusal = authenticationFailure(failure);
        if (refusal == null) {
            return;
        }
        long now = nanoTime.getAsLong();
        synchronized (this) {
            lastVerdict = now;
            anyVerdict = true;
            failures++;
            lastFailure = "error " + refusal.getErrorCode() + " (SQL state " + refusal.getSQLState() + "): "
                    + refusal.getMessage();
            if (!failing) {
                failing = true;
                failingSince = now;
                LOG.warn("The database refuses the service's credentials: {}. Liveness goes DOWN if every connection"
                        + " attempt is refused for the configured time (presence.db.auth-failure-liveness-seconds)",
                        lastFailure);
            }
        }
        onRefusal.run();
    }

    /** Called after every refused attempt, outside any lock (e.g. {@link CredentialRefresh#onRefusal()}). */
    public void onRefusal(Runnable listener) {
        this.onRefusal = listener;
    }

    /** A connection was obtained: the credentials work (ends a streak). */
    public void success() {
        long now = nanoTime.getAsLong();
        synchronized (this) {
            lastVerdict = now;
            anyVerdict = true;
            if (failing) {
                failing = false;
                LOG.info("The database accepts the service's credentials again after {} ms of refusals ({} attempts)",
                        (now - failingSince) / 1_000_000, failures);
                failures = 0;
            }
        }
    }

    /** How long every connection attempt has been refused for authentication, in ms; 0 when not so. */
    public synchronized long failingForMillis() {
        return failing ? (nanoTime.getAsLong() - failingSince) / 1_000_000 : 0;
    }

    /** Refused attempts in the current streak. */
    public synchronized long failures() {
        return failing ? failures : 0;
    }

    /** The last refusal of the current streak, null when not failing. */
    public synchronized String lastFailure() {
        return failing ? lastFailure : null;
    }

    /** Milliseconds since the last attempt that told anything about the credentials (success or refusal). */
    public synchronized long millisSinceLastVerdict() {
        return anyVerdict ? (nanoTime.getAsLong() - lastVerdict) / 1_000_000 : Long.MAX_VALUE;
    }

    /**
     * The most specific refusal in the chain: the innermost one with a refusal's error code (HikariCP's timeout copies
     * the code and state of the driver's exception, its cause), else one with SQL state 28000.
     */
    private static SQLException authenticationFailure(Throwable failure) {
        List<SQLException> chain = new ArrayList<>();
        collect(failure, chain, 0);
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (AUTHENTICATION_ERRORS.contains(chain.get(i).getErrorCode())) {
                return chain.get(i);
            }
        }
        for (SQLException sql : chain) {
            if ("28000".equals(sql.getSQLState())) {
                return sql;
            }
        }
        return null;
    }

    private static void collect(Throwable t, List<SQLException> chain, int depth) {
        for (; t != null && depth < 20; depth++) {
            if (t instanceof SQLException sql) {
                if (chain.contains(sql)) {
                    return;
                }
                chain.add(sql);
                if (sql.getNextException() != null && sql.getNextException() != sql.getCause()) {
                    collect(sql.getNextException(), chain, depth + 1);
                }
            }
            t = t.getCause() == t ? null : t.getCause();
        }
    }
}
