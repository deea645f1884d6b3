package io.presencebroker.failure;

import java.sql.DataTruncation;
import java.sql.SQLDataException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;

import io.presencebroker.event.InvalidEventException;
import org.apache.camel.Exchange;

/**
 * Permanent or transient. Permanent failures (the message itself is wrong, or the schema cannot hold it, or a route
 * or statement is broken) are dead-lettered at once with their reason, to be replayed once the cause is fixed.
 * Everything else (database or network unreachable, pool exhausted, deadlock, lock wait timeout, throttling) is
 * transient: retried in process, then left on the queue to come back after the visibility timeout.
 */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    public static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidEventException
                    || t instanceof DataTruncation
                    || t instanceof SQLDataException
                    || t instanceof SQLIntegrityConstraintViolationException
                    || t instanceof SQLSyntaxErrorException
                    || t instanceof NumberFormatException) {
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
