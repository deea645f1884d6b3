package io.presencebroker.failure;

import java.util.Locale;

import io.presencebroker.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The worst-case time a polled message spends in process before its batch is committed or given up, which must stay
 * below the events queue's visibility timeout: otherwise SQS hands the message to another consumer (or instance)
 * while the first one is still retrying it, and the redrive policy counts receives that were never failures.
 * <p>
 * Worst case = (1 + max-redeliveries) attempts of the poll's commit, each up
 * to the pool's connection timeout (waiting for or opening a connection) plus the socket timeout (a database that
 * stops answering fails the attempt's first stalled read), + the backoff delays of routes/error-handling.yaml:
 * delay-ms doubled each time (backOffMultiplier 2), each plus up to 15% (collision avoidance, Camel's factor 0.15,
 * applied before the cap), each capped at max-delay-ms. Checked at start against the queue's VisibilityTimeout
 * (GetQueueAttributes).
 */
public record RetryBudget(int maxRedeliveries, long delayMillis, long maxDelayMillis, long connectionTimeoutMillis,
                          long socketTimeoutMillis) {

    private static final Logger LOG = LoggerFactory.getLogger(RetryBudget.class);

    /** Camel's collision avoidance: each delay varies by up to this factor either way. */
    static final double COLLISION_AVOIDANCE = 0.15;
    /** The backOffMultiplier of routes/error-handling.yaml. */
    static final double BACK_OFF_MULTIPLIER = 2;

    /** The settings as configured (application.properties, overridden by the environment). */
    public static RetryBudget of(Settings props) {
        return new RetryBudget(
                Integer.parseInt(props.require("presence.retry.max-redeliveries")),
                Long.parseLong(props.require("presence.retry.delay-ms")),
                Long.parseLong(props.require("presence.retry.max-delay-ms")),
                Long.parseLong(props.require("presence.db.connection-timeout-ms")),
                Long.parseLong(props.require("presence.db.socket-timeout-ms")));
    }

    public int attempts() {
        return maxRedeliveries + 1;
    }

    /** The longest sum of the backoff delays between the attempts. */
    public long delaysMillis() {
        double total = 0;
        double previous = 0;
        for (int k = 1; k <= maxRedeliveries; k++) {
            double next = previous == 0 ? delayMillis : previous * BACK_OFF_MULTIPLIER;
            next += next * COLLISION_AVOIDANCE;
            if (maxDelayMillis > 0 && next > maxDelayMillis) {
                next = maxDelayMillis;
            }
            total += next;
            previous = next;
        }
        return (long) Math.ceil(total);
    }

    /** The worst case from the receive of a message to the end of its last in-process attempt. */
    public long worstCaseMillis() {
        return attempts() * (connectionTimeoutMillis + socketTimeoutMillis) + delaysMillis();
    }

    /** Null when the worst case fits in the visibility timeout, else the explanation naming the settings. */
    public String problem(String queue, int visibilityTimeoutSeconds) {
        long worst = worstCaseMillis();
        if (worst < visibilityTimeoutSeconds * 1000L) {
            return null;
        }
        return String.format(Locale.ROOT, "The worst-case in-process retry time (%d ms) does not fit in the visibility "
                + "timeout of the events queue %s (%d s): a message would come back to another consumer while it is "
                + "still being retried. Worst case = %d attempts "
                + "(PRESENCE_RETRY_MAX_REDELIVERIES %d + 1) x (PRESENCE_DB_CONNECTION_TIMEOUT_MS %d "
                + "+ PRESENCE_DB_SOCKET_TIMEOUT_MS %d) + backoff %d ms (PRESENCE_RETRY_DELAY_MS %d doubled, +15%%, "
                + "at most PRESENCE_RETRY_MAX_DELAY_MS %d). Lower these settings or raise the queue's "
                + "VisibilityTimeout (PRESENCE_RETRY_BUDGET_CHECK=warn only logs this).",
                worst, queue, visibilityTimeoutSeconds, attempts(), maxRedeliveries,
                connectionTimeoutMillis, socketTimeoutMillis, delaysMillis(), delayMillis, maxDelayMillis);
    }

    /**
     * Reads the events queue's VisibilityTimeout and refuses the start (IllegalStateException) when the budget does
     * not fit, or only logs it when {@code presence.retry.budget-check} is {@code warn}.
     */
    public static void check(Settings props, SqsClient sqs) {
        String mode = props.require("presence.retry.budget-check").toLowerCase(Locale.ROOT);
        if (!mode.equals("fail") && !mode.equals("warn")) {
            throw new IllegalStateException("PRESENCE_RETRY_BUDGET_CHECK (presence.retry.budget-check) must be fail or "
                    + "warn, not " + mode);
        }
        String queue = props.require("presence.events-queue");
        RetryBudget budget = of(props);
        int visibility;
        try {
            String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            visibility = Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(url)
                    .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).attributes()
                    .get(QueueAttributeName.VISIBILITY_TIMEOUT));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot read the VisibilityTimeout of the events queue " + queue
                    + " (PRESENCE_EVENTS_QUEUE) to check the retry budget: " + e.getMessage(), e);
        }
        String problem = budget.problem(queue, visibility);
        if (problem == null) {
            LOG.info("Retry budget: worst case {} ms in process, visibility timeout of {} {} s", budget.worstCaseMillis(),
                    queue, visibility);
        } else if (mode.equals("warn")) {
            LOG.warn(problem);
        } else {
            throw new IllegalStateException(problem);
        }
    }
}
