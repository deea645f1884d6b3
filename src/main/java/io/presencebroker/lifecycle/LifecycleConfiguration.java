package io.presencebroker.lifecycle;

import java.time.Clock;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.failure.CircuitBreaker;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.failure.Retries;
import io.presencebroker.health.ConsumerHealthCheck;
import io.presencebroker.health.DatabaseHealthCheck;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.metrics.Meters;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.sqs.PolledQueueConsumer.PollSettings;
import io.presencebroker.sqs.QueueMessages;
import io.presencebroker.sqs.QueueSender;
import io.presencebroker.store.PresenceChangeMarks;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The beans of the lifecycle flow (routes/lifecycle-events.yaml and the MQTT source's hand-over), lazily made as the
 * routes ask for them: the consumer's component, the parser, the router's branches, the writer and what happens to a
 * poll's events.
 */
public class LifecycleConfiguration implements CamelConfiguration {

    @BindToRegistry(lazy = true)
    public LifecycleEventParser lifecycleEventParser(@PropertyInject("presence.max-future-skew-ms") long maxFutureSkew,
            @PropertyInject("presence.lifecycle.max-topics-per-event") int maxTopics) {
        return new LifecycleEventParser(Clock.systemUTC(), maxFutureSkew, maxTopics);
    }

    @BindToRegistry(lazy = true)
    public ChatTopic chatTopic(@PropertyInject("presence.chat-topic.pattern") String pattern) {
        return new ChatTopic(pattern);
    }

    @BindToRegistry(lazy = true)
    public UserIds userIds(@PropertyInject("presence.user-id-pattern") String pattern) {
        return new UserIds(pattern);
    }

    /** The branches of the lifecycle router. */
    @BindToRegistry(lazy = true)
    public LifecycleRows lifecycleRows(ChatTopic chatTopic, UserIds users, PresenceMetrics metrics) {
        return new LifecycleRows(chatTopic, users, metrics);
    }

    @BindToRegistry(lazy = true)
    public PresenceWriter presenceWriter(@BeanInject("presenceDataSource") DataSource dataSource,
                                         @PropertyInject("presence.version-reset-gap-ms") long versionResetGap,
                                         PresenceChangeMarks marks,
                                         @PropertyInject("presence.history.enabled") boolean history) {
        return new PresenceWriter(dataSource, versionResetGap, marks, history);
    }

    /** Retention of the presence tables (routes/presence-retention.yaml). */
    @BindToRegistry(lazy = true)
    public PresenceRetention presenceRetention(@BeanInject("presenceDataSource") DataSource dataSource,
                                               @PropertyInject("presence.retention.gone-days") int goneDays,
                                               @PropertyInject("presence.retention.history-days") int historyDays,
                                               @PropertyInject("presence.retention.prune-chunk") int chunk) {
        return new PresenceRetention(dataSource, goneDays, historyDays, chunk, System::currentTimeMillis);
    }

    /** Reconciliation with AWS IoT's connectivity record (routes/presence-reconciliation.yaml). */
    @BindToRegistry(lazy = true)
    public PresenceReconciliation presenceReconciliation(CamelContext context,
            @BeanInject("presenceDataSource") DataSource dataSource, PresenceWriter writer,
            @PropertyInject("presence.reconcile.chunk") int chunk) {
        BooleanSupplier stopping = () -> context.isStopping() || context.isStopped();
        IotConnectivity iot = IotConnectivity.create(Settings.of(context.getPropertiesComponent()), stopping);
        ContextServices.closeOnStop(context, iot);
        return new PresenceReconciliation(dataSource, writer, iot::record, chunk, Meters.of(context), stopping);
    }

    /** The poison rule of the lifecycle flow: only lifecycle commits tell that the environment works for events. */
    @BindToRegistry(lazy = true)
    public FailurePolicy lifecycleFailures(@PropertyInject("presence.poison.max-receives") int maxReceives) {
        return new FailurePolicy(maxReceives);
    }

    /** Suspends the lifecycle consumer while the database is down; it resumes once the service's statements run. */
    @BindToRegistry(lazy = true)
    public CircuitBreaker lifecycleCircuitBreaker(
            @BeanInject("presenceDataSource") DataSource dataSource, PresenceWriter writer,
            @PropertyInject("presence.circuit-breaker.failure-threshold") int failureThreshold,
            @PropertyInject("presence.circuit-breaker.failure-window-ms") long failureWindow,
            @PropertyInject("presence.circuit-breaker.half-open-after-ms") long halfOpenAfter) {
        return new CircuitBreaker("the lifecycle events consumer", () -> {
            String problem = DatabaseHealthCheck.problem(dataSource);
            return problem != null ? problem : writer.statementProblem();
        }, failureThreshold, failureWindow, halfOpenAfter);
    }

    @BindToRegistry(lazy = true)
    public ConsumerHealthCheck consumerHealthCheck(@BeanInject("lifecycleCircuitBreaker") CircuitBreaker breaker) {
        return new ConsumerHealthCheck(breaker);
    }

    /** What happens to the routed events of a poll: one transaction, retries, dead letters, counts. */
    @BindToRegistry(lazy = true)
    public LifecycleApply lifecycleApply(CamelContext context, PresenceWriter writer, PresenceMetrics metrics,
                                         @BeanInject("lifecycleCircuitBreaker") CircuitBreaker breaker,
                                         @BeanInject("lifecycleFailures") FailurePolicy poison,
                                         @PropertyInject("presence.retry.max-redeliveries") int maxRedeliveries,
                                         @PropertyInject("presence.retry.delay-ms") long delay,
                                         @PropertyInject("presence.retry.max-delay-ms") long maxDelay) {
        return new LifecycleApply(writer, metrics, breaker, poison, new DeadLetterSender(context),
                new Retries(maxRedeliveries, delay, maxDelay));
    }

    /** The MQTT source's hand-over of an event it could not apply now to the SQS events queue. */
    @BindToRegistry(lazy = true)
    public QueueSender eventsQueue(SqsClient sqs, @PropertyInject("presence.events-queue") String queue) {
        return new QueueSender(new QueueMessages(sqs, queue));
    }

    /** The component of the events route's consumer, {@code lifecycle-events:QUEUE}: it owns the poll's protocol. */
    @BindToRegistry(value = LifecycleEventsComponent.SCHEME, lazy = true)
    public LifecycleEventsComponent lifecycleEvents(SqsClient sqs, LifecycleApply apply, LifecycleEventParser parser,
                                                    LifecycleRows rows, PresenceWriter writer,
                                                    @PropertyInject("presence.consumers") int consumers,
                                                    @PropertyInject("presence.sqs.receivers") int receivers,
                                                    @PropertyInject("presence.sqs.max-messages-per-poll") int max,
                                                    @PropertyInject("presence.sqs.wait-time-seconds") int wait,
                                                    @PropertyInject("presence.warm-up-polls") int warmUpPolls,
                                                    PresenceFreshness freshness) {
        return new LifecycleEventsComponent(sqs, new PollSettings(consumers, receivers, max, wait),
                apply, new WarmUp(parser, rows, writer, warmUpPolls), freshness);
    }
}
