package io.presencebroker.failure;

import java.sql.DataTruncation;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.util.Set;

import io.presencebroker.event.InvalidEventException;
import org.apache.camel.Exchange;

/**
 * Permanent or transient. Permanent failures (the message itself is wrong, or the schema cannot hold it, or a route
 * or statement is broken) are dead-lettered at once with their reason, to be replayed once the cause is fixed.
 * Everything else (database or network unreachable, pool exhausted, deadlock, lock wait timeout, throttling) is
 * transient: retried in process, then left on the queue to come back after the visibility timeout.
 */
public final class FailureClassifier {

    /**
     * MySQL/MariaDB error codes that no retry can fix: the value does not fit the schema (1048 null, 1264 out of range,
     * 1265 truncated, 1292 bad value, 1366 incorrect string, 1406 too long) or the statement does not fit the
     * schema (1054 unknown column, 1064 syntax, 1146 no such table). Dead-lettered, replayable after the fix.
     */
    static final Set<Integer> PERMANENT_MYSQL_ERRORS = Set.of(1048, 1264, 1265, 1292, 1366, 1406, 1054, 1064, 1146);

    /**
     * MySQL/MariaDB error codes of a missing privilege (1044 database, 1142 table, 1143 column, 1227 operation): the
     * database user lacks a grant, a fault of the environment, never of the message. Transient, although Connector/J
     * reports some of them as syntax errors.
     */
    static final Set<Integer> PRIVILEGE_MYSQL_ERRORS = Set.of(1044, 1142, 1143, 1227);

    private FailureClassifier() {
    }

    public static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && PRIVILEGE_MYSQL_ERRORS.contains(sql.getErrorCode())) {
                return false;
            }
            if (t instanceof InvalidEventException
                    || t instanceof DataTruncation
                    || t instanceof SQLDataException
                    || t instanceof SQLIntegrityConstraintViolationException
                    || t instanceof SQLSyntaxErrorException
                    || t instanceof NumberFormatException) {
                return true;
            }
            if (t instanceof SQLException sql && PERMANENT_MYSQL_ERRORS.contains(sql.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    /** For the routes' {@code onWhen}: the failure of this exchange is transient. */
    public static boolean isTransient(Exchange exchange) {
        Throwable failure = exchange.getException() != null
                ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return failure != null && !isPermanent(failure);
    }
}
