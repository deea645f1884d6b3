package io.presencebroker.store;

import java.sql.SQLException;
import java.util.Set;

import com.zaxxer.hikari.SQLExceptionOverride;

/**
 * HikariCP's verdict on a failed connection: one that answers with a read-only error is evicted at once and never
 * handed out again. After a failover (Aurora, or a promoted replica behind a moved name or proxy) the old primary is
 * read-only but its sessions stay open and valid: HikariCP would otherwise keep lending them (the errors are SQL state
 * HY000/25006, not a broken connection), and every retry would fail the same way until maxLifetime.
 * <ul>
 *   <li>1290 ER_OPTION_PREVENTS_STATEMENT: the server runs with --read-only (MySQL, MariaDB, Aurora readers);</li>
 *   <li>1836 ER_READ_ONLY_MODE: the server is in read-only mode;</li>
 *   <li>1792 ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION (innodb_read_only, Aurora readers).</li>
 * </ul>
 * The cause chain and the next-exception chain are both looked at (a batch failure wraps the statement's error).
 * Read-only errors are transient for {@code FailureClassifier}: retried, never dead-lettered.
 */
public final class ReadOnlyEviction implements SQLExceptionOverride {

    public static final Set<Integer> READ_ONLY_ERRORS = Set.of(1290, 1836, 1792);

    /** The AWS Advanced JDBC Wrapper's "failover succeeded, connection re-established on the new writer". */
    static final String WRAPPER_FAILOVER_SUCCEEDED = "08S02";

    private final boolean awsWrapper;

    /** For HikariCP's exceptionOverrideClassName (the plain MySQL driver). */
    public ReadOnlyEviction() {
        this(false);
    }

    /** {@code awsWrapper}: a connection the wrapper has just failed over is kept (as its own Hikari override does). */
    public ReadOnlyEviction(boolean awsWrapper) {
        this.awsWrapper = awsWrapper;
    }

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        if (isReadOnly(e)) {
            return Override.MUST_EVICT;
        }
        if (awsWrapper && WRAPPER_FAILOVER_SUCCEEDED.equals(e.getSQLState())) {
            return Override.DO_NOT_EVICT;
        }
        return Override.CONTINUE_EVICT;
    }

    /** The failure, or anything it wraps, is the server refusing a write because it is read-only. */
    public static boolean isReadOnly(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 20; depth++) {
            if (t instanceof SQLException sql) {
                if (READ_ONLY_ERRORS.contains(sql.getErrorCode())) {
                    return true;
                }
                SQLException next = sql.getNextException();
                if (next != null && next != sql && isReadOnlyShallow(next)) {
                    return true;
                }
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return false;
    }

    private static boolean isReadOnlyShallow(SQLException e) {
        return READ_ONLY_ERRORS.contains(e.getErrorCode());
    }
}
