package io.presencebroker.delivery;

import java.util.Map;

import javax.sql.DataSource;

import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.failure.Retries;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.sqs.PolledQueueConsumer.PollSettings;
import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code outbox:QUEUE}: the outgoing chat messages of an SQS queue, delivered the one way that keeps each recipient's
 * delivery exact. The consumer ({@link OutboxConsumer}) owns the poll's protocol: receive, parse, claim the recipients
 * of the whole poll, read their socket status in one query, route each message through the route (the socket-or-push
 * decision), publish over MQTT with the poll's publishes in flight together, send the push requests in SQS batches
 * across the poll's messages, record the poll in one transaction, delete after the record, and keep claims and
 * visibility alive while it works. None of that is a route option: an endpoint URI with options is refused, and every
 * setting is the service's (presence.delivery.*, presence.sqs.*, presence.retry.*).
 */
public class OutboxComponent extends DefaultComponent {

    public static final String SCHEME = "outbox";
    /** The headers of each exchange of the route: one recipient of one outbox message. */
    public static final java.util.List<String> HEADERS = OutboxConsumer.HEADERS;

    /** What the consumer works with. */
    record Parts(OutboxMessageParser parser, DeliveryLog log, DataSource dataSource, SocketPublisher socket,
                 PushSender push, DeliveryReceipts receipts, DeliveryMessages messages, FailurePolicy failures,
                 DeadLetterSender deadLetters, Retries retries, PresenceFreshness freshness, PollSettings settings) {
    }

    private final SqsClient sqs;
    private final Parts parts;

    public OutboxComponent(SqsClient sqs, Parts parts) {
        this.sqs = sqs;
        this.parts = parts;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": needs the outbox queue's name, e.g. " + SCHEME
                    + ":{{presence.outbox-queue}}");
        }
        if (!parameters.isEmpty()) {
            throw new IllegalArgumentException(SCHEME + ":" + remaining + " takes no options in a route (" + parameters.keySet()
                    + "): how it polls, claims, publishes, pushes and acknowledges is the service's, set by"
                    + " PRESENCE_DELIVERY_CONSUMERS, PRESENCE_SQS_MAX_MESSAGES_PER_POLL, PRESENCE_SQS_WAIT_TIME_SECONDS,"
                    + " PRESENCE_DELIVERY_* and PRESENCE_RETRY_* (README)");
        }
        return new OutboxEndpoint(uri, this, new QueueMessages(sqs, remaining));
    }

    Parts parts() {
        return parts;
    }
}
