package io.presencebroker.lifecycle;

import java.util.Map;

import io.presencebroker.sqs.PolledQueueConsumer.PollSettings;
import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import io.presencebroker.health.PresenceFreshness;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code lifecycle-events:QUEUE}: the lifecycle events of an SQS queue, consumed the one way that keeps them safe. The
 * consumer ({@link LifecycleEventsConsumer}) owns the poll's protocol: receive, route each event through the route,
 * commit the row changes of the poll in one transaction, delete after the commit, extend the visibility of a poll that
 * is still being worked on, commit what is in hand and give back the rest on shutdown, and suspend itself while the
 * database is down. None of that is a route option: an endpoint URI with options is refused, and every setting is
 * the service's (presence.consumers, presence.sqs.*, presence.retry.*, presence.circuit-breaker.*).
 * <p>
 * As a producer ({@code to: lifecycle-events:QUEUE}) it applies one event at once through the same route (the MQTT
 * source): committed, or dead-lettered for its own fault; the exchange fails when it could not be applied.
 */
public class LifecycleEventsComponent extends DefaultComponent {

    public static final String SCHEME = "lifecycle-events";

    private final SqsClient sqs;
    private final PollSettings settings;
    private final LifecycleApply apply;
    private final WarmUp warmUp;
    private final PresenceFreshness freshness;

    public LifecycleEventsComponent(SqsClient sqs, PollSettings settings, LifecycleApply apply, WarmUp warmUp,
                                    PresenceFreshness freshness) {
        this.sqs = sqs;
        this.settings = settings;
        this.apply = apply;
        this.warmUp = warmUp;
        this.freshness = freshness;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": needs the events queue's name, e.g. " + SCHEME
                    + ":{{presence.events-queue}}");
        }
        if (!parameters.isEmpty()) {
            throw new IllegalArgumentException(SCHEME + ":" + remaining + " takes no options in a route (" + parameters.keySet()
                    + "): how it polls, acknowledges and retries is the service's, set by PRESENCE_CONSUMERS, "
                    + "PRESENCE_SQS_RECEIVERS, PRESENCE_SQS_MAX_MESSAGES_PER_POLL, PRESENCE_SQS_WAIT_TIME_SECONDS and PRESENCE_RETRY_* (README)");
        }
        return new LifecycleEventsEndpoint(uri, this, new QueueMessages(sqs, remaining));
    }

    PollSettings settings() {
        return settings;
    }

    LifecycleApply apply() {
        return apply;
    }

    WarmUp warmUp() {
        return warmUp;
    }

    PresenceFreshness freshness() {
        return freshness;
    }
}
