package io.presencebroker.failure;

import io.presencebroker.config.RouteBean;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;

/**
 * What the shared error handling (routes/error-handling.yaml) does with a failed message: retry it (in process, then
 * by leaving it on the queue), or dead-letter it. The message's own faults are dead-lettered at once; the
 * environment's never; an unexpected failure only when the message is a poison message: received at least
 * {@code maxReceives} times (SQS's ApproximateReceiveCount) and other events have been committed since its first
 * receive, so that it is this message and not a broken environment (a bad deployment fails every message) that fails.
 */
@RouteBean
public class FailurePolicy {

    private final int maxReceives;
    private volatile long lastCommitMillis;

    public FailurePolicy(int maxReceives) {
        if (maxReceives < 1) {
            throw new IllegalArgumentException("presence.poison.max-receives must be at least 1, not " + maxReceives);
        }
        this.maxReceives = maxReceives;
    }

    /** Something was committed: the environment works for other messages. */
    public void committed() {
        lastCommitMillis = System.currentTimeMillis();
    }

    /** For the routes' {@code onWhen}: retry this exchange's failure (true) or dead-letter it (false). */
    public boolean isRetryable(Exchange exchange) {
        Throwable failure = exchange.getException() != null
                ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return switch (FailureClassifier.classify(failure)) {
            case MESSAGE -> false;
            case ENVIRONMENT -> true;
            case UNEXPECTED -> !isPoison(exchange.getIn().getHeader(Sqs2Constants.ATTRIBUTES));
        };
    }

    /** A message whose unexpected failure is its own: see the class comment. */
    public boolean isPoison(Object sqsAttributes) {
        String receives = DeadLetterAttributes.sqsAttribute(sqsAttributes, "ApproximateReceiveCount");
        String firstReceive = DeadLetterAttributes.sqsAttribute(sqsAttributes, "ApproximateFirstReceiveTimestamp");
        if (receives == null || firstReceive == null) {
            return false;
        }
        try {
            return Integer.parseInt(receives) >= maxReceives && lastCommitMillis > Long.parseLong(firstReceive);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
