package io.presencebroker.failure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.DataTruncation;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * Whose fault a failure is, which decides what happens to the message (docs/failures.md):
 * <ul>
 * <li>{@link Kind#MESSAGE}: the message itself is wrong (invalid input) or holds a value the schema cannot store.
 *     Dead-lettered at once with the reason; replayable after a fix.</li>
 * <li>{@link Kind#ENVIRONMENT}: the database, the network, AWS, privileges, a schema in the middle of a migration, a
 *     statement broken by an edit. Never the message's fault: retried in process, then left on the queue; the
 *     circuit breaker suspends the consumer and readiness goes DOWN until the environment works again.</li>
 * <li>{@link Kind#UNEXPECTED}: anything else (a bug that this message triggers). Retried like an environment fault,
 *     but it does not suspend the consumer; once the message has been received
 *     {@code presence.poison.max-receives} times while other events were committed, it is dead-lettered as a
 *     poison message ({@link FailurePolicy}).</li>
 * </ul>
 */
public final class FailureClassifier {

    /** Whose fault a failure is. */
    public enum Kind { MESSAGE, ENVIRONMENT, UNEXPECTED }

    /**
     * MySQL/MariaDB error codes of a value that the schema cannot hold: 1048 NULL into NOT NULL, 1264 out of range,
     * 1265 data truncated, 1292 incorrect value, 1366 incorrect string value, 1406 too long. Every other server error
     * (privileges 1142/1143/1044, unknown database 1049, unknown table or column 1146/1054 during a rolling
     * migration, syntax 1064 after an edit, read-only 1290/1836/1792 after a failover, access denied 1045 after a
     * password rotation, deadlocks, lost connections) is the environment's.
     */
    static final Set<Integer> VALUE_ERRORS = Set.of(1048, 1264, 1265, 1292, 1366, 1406);

    private FailureClassifier() {
    }

    public static Kind classify(Throwable failure) {
        boolean environment = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidEventException) {
                return Kind.MESSAGE;
            }
            if (t instanceof SQLException sql) {
                if (isValueError(sql)) {
                    return Kind.MESSAGE;
                }
                environment = true;
            } else if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof SdkException
                    || t instanceof TimeoutException || t instanceof RejectedExecutionException
                    || t instanceof TryLaterException || t.getClass().getName().startsWith("org.eclipse.paho.")) {
                environment = true;
            }
        }
        return failure == null || environment ? Kind.ENVIRONMENT : Kind.UNEXPECTED;
    }

    private static boolean isValueError(SQLException sql) {
        for (SQLException s = sql; s != null; s = s.getNextException()) {
            if (s instanceof DataTruncation || VALUE_ERRORS.contains(s.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    public static boolean isEnvironmental(Throwable failure) {
        return classify(failure) == Kind.ENVIRONMENT;
    }
}
