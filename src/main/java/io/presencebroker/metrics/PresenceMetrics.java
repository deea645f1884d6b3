package io.presencebroker.metrics;

import io.presencebroker.failure.DeadLetterSender;
import org.apache.camel.Exchange;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.presencebroker.metrics.LagWindow;
import io.presencebroker.config.RouteBean;

/**
 * Counts events by type and outcome ({@code presence_events_total}): applied, stale (an older or duplicate event that
 * changed nothing), ignored (connect_failed, unknown types, non-chat topics) and dead_lettered.
 */
@RouteBean
public class PresenceMetrics {

    private static final Set<String> KNOWN_TYPES =
            Set.of("connected", "disconnected", "subscribed", "unsubscribed", "connect_failed");

    private final MeterRegistry registry;

    private final Timer lag;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    /** The same lags per interval, for the percentiles of the CloudWatch EMF metrics (metrics/EmfPublisher). */
    private final LagWindow lagWindow = new LagWindow();

    public PresenceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.lag = Timer.builder("presence_event_lag")
                .description("From the event's timestamp (AWS IoT) to the commit of its update")
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(120))
                .register(registry);
    }

    /** Route step of the error handling: a transient failure, the message left on the queue. */
    public void retryLater(Exchange exchange) {
        count(eventType(exchange), "retry_later");
    }

    /** Route step of the dead-letter flow. */
    public void deadLettered(Exchange exchange) {
        count(eventType(exchange), "dead_lettered");
    }

    /** The event type the consumer recorded with the exchange (null when unknown: counted as "other"). */
    private static String eventType(Exchange exchange) {
        return exchange.getProperty(DeadLetterSender.EVENT_TYPE_PROPERTY, String.class);
    }

    public void count(String eventType, String outcome) {
        counter(eventType, outcome).increment();
    }

    /**
     * After the commit: applied when the event changed a row, else stale (older or duplicate); and the lag from the
     * event's own timestamp to this commit ({@code presence_event_lag_seconds}).
     */
    public void countApplied(String eventType, long eventTimestamp, boolean applied) {
        count(eventType, applied ? "applied" : "stale");
        if (eventTimestamp > 0) {
            long lagMillis = Math.max(0, System.currentTimeMillis() - eventTimestamp);
            lag.record(lagMillis, TimeUnit.MILLISECONDS);
            lagWindow.record(lagMillis);
        }
    }

    public LagWindow lagWindow() {
        return lagWindow;
    }

    public double value(String eventType, String outcome) {
        return counter(eventType, outcome).count();
    }

    private Counter counter(String eventType, String outcome) {
        String type = eventType != null && KNOWN_TYPES.contains(eventType) ? eventType : "other";
        return counters.computeIfAbsent(type + '/' + outcome, k -> Counter.builder("presence_events")
                .description("Lifecycle events by type and outcome")
                .tag("event_type", type)
                .tag("outcome", outcome)
                .register(registry));
    }
}
