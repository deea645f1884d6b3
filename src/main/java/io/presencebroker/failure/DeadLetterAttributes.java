package io.presencebroker.failure;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.aws2.sqs.Sqs2Endpoint;

/**
 * Replaces the headers of a failed message (its original body is kept) with the SQS message attributes that tell an
 * operator why it was dead-lettered. Attribute names are stable: the replay command and dashboards read them.
 */
public final class DeadLetterAttributes {

    public static final String ERROR_TYPE = "errorType";
    public static final String ERROR_MESSAGE = "errorMessage";
    public static final String ROUTE_ID = "failedRouteId";
    public static final String FAILED_AT = "failedAt";
    public static final String RECEIVE_COUNT = "receiveCount";
    public static final String ORIGINAL_MESSAGE_ID = "originalMessageId";
    /** The SQS queue the message was consumed from (absent for the MQTT source): where the replay sends it back. */
    public static final String SOURCE_QUEUE = "sourceQueue";
    /** Exchange property that names the source queue when the exchange did not come from an SQS consumer. */
    public static final String SOURCE_QUEUE_PROPERTY = "deadLetterSourceQueue";

    /** Exchange property with the full reason, for the log line (attributes may be dropped to fit the size limit). */
    public static final String REASON_PROPERTY = "deadLetterReason";
    static final int MAX_MESSAGE_LENGTH = 1024;
    static final long SQS_MAX_MESSAGE_BYTES = 262_144;

    private DeadLetterAttributes() {
    }

    public static void prepare(Exchange exchange) {
        Message in = exchange.getIn();
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Throwable reason = rootReason(failure);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        String messageId = in.getHeader(Sqs2Constants.MESSAGE_ID, String.class);
        String receiveCount = receiveCount(in.getHeader(Sqs2Constants.ATTRIBUTES));
        String sourceQueue = sourceQueue(exchange);

        // drop the event's own headers; keep Camel's (the consumer deletes by CamelAwsSqsReceiptHandle, and the SQS
        // producer never sends Camel headers as attributes)
        in.removeHeaders("*", "Camel*");
        in.setHeader(ERROR_TYPE, reason == null ? "Unknown" : reason.getClass().getSimpleName());
        String prefix = FailureClassifier.classify(failure) == FailureClassifier.Kind.UNEXPECTED
                ? "poison message, failed on receive " + receiveCount + " while other events were applied: " : "";
        in.setHeader(ERROR_MESSAGE, reason == null ? "no exception recorded" : safe(prefix + reason.getMessage()));
        in.setHeader(ROUTE_ID, routeId == null ? exchange.getFromRouteId() : routeId);
        in.setHeader(FAILED_AT, Instant.now().toString());
        if (receiveCount != null) {
            in.setHeader(RECEIVE_COUNT, receiveCount);
        }
        if (messageId != null) {
            in.setHeader(ORIGINAL_MESSAGE_ID, messageId);
        }
        if (sourceQueue != null) {
            in.setHeader(SOURCE_QUEUE, sourceQueue);
        }
        exchange.setProperty(REASON_PROPERTY, in.getHeader(ERROR_TYPE) + ": " + in.getHeader(ERROR_MESSAGE));
        fitIntoSqsLimit(in);
    }

    /**
     * SQS counts the attributes in the 256 KiB message limit. A body that leaves no room keeps as many reason
     * attributes as fit (the reason is logged in full either way): the body itself is never cut.
     */
    static void fitIntoSqsLimit(Message in) {
        String body = in.getBody(String.class);
        long size = body == null ? 0 : body.getBytes(StandardCharsets.UTF_8).length;
        String[] dropOrder = {ORIGINAL_MESSAGE_ID, SOURCE_QUEUE, RECEIVE_COUNT, FAILED_AT, ROUTE_ID, ERROR_MESSAGE, ERROR_TYPE};
        for (String name : dropOrder) {
            if (size + attributesSize(in) <= SQS_MAX_MESSAGE_BYTES) {
                return;
            }
            in.removeHeader(name);
        }
    }

    private static long attributesSize(Message in) {
        long total = 0;
        for (String name : new String[] {ERROR_TYPE, ERROR_MESSAGE, ROUTE_ID, FAILED_AT, RECEIVE_COUNT, ORIGINAL_MESSAGE_ID,
                SOURCE_QUEUE}) {
            Object value = in.getHeader(name);
            if (value != null) {
                total += name.length() + "String".length() + String.valueOf(value).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return total;
    }

    /** The SQS queue this exchange's message was consumed from, or null (the MQTT source). */
    public static String sourceQueue(Exchange exchange) {
        String named = exchange.getProperty(SOURCE_QUEUE_PROPERTY, String.class);
        if (named != null) {
            return named;
        }
        return exchange.getFromEndpoint() instanceof Sqs2Endpoint sqs ? sqs.getConfiguration().getQueueName() : null;
    }

    /** The most telling exception: an invalid event wherever it is in the chain, else the deepest cause. */
    static Throwable rootReason(Throwable failure) {
        Throwable deepest = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidEventException) {
                return t;
            }
            deepest = t;
        }
        return deepest;
    }

    private static String receiveCount(Object attributes) {
        return sqsAttribute(attributes, "ApproximateReceiveCount");
    }

    /** One SQS system attribute of a received message (header CamelAwsSqsAttributes), or null. */
    static String sqsAttribute(Object attributes, String name) {
        if (attributes instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (String.valueOf(e.getKey()).equals(name)) {
                    return String.valueOf(e.getValue());
                }
            }
        }
        return null;
    }

    /** Single-line, printable, bounded: the reason is read in consoles and logs. */
    static String safe(String text) {
        if (text == null || text.isEmpty()) {
            return "(no message)";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_MESSAGE_LENGTH));
        for (int i = 0; i < text.length() && sb.length() < MAX_MESSAGE_LENGTH; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }
}
