package io.presencebroker;

import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts events by type and outcome ({@code presence_events_total}): applied, stale (an older or duplicate event that
 * changed nothing), ignored (connect_failed, unknown types, non-chat topics) and dead_lettered.
 */
public class PresenceMetrics {

    private static final Set<String> KNOWN_TYPES =
            Set.of("connected", "disconnected", "subscribed", "unsubscribed", "connect_failed");

    private final MeterRegistry registry;

    public PresenceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String eventType, String outcome) {
        counter(eventType, outcome).increment();
    }

    /** Applied when the conditional UPDATE or the first INSERT changed a row, else stale. */
    public void countApplied(String eventType, Integer insertCount, Integer updateCount) {
        boolean applied = (insertCount != null && insertCount > 0) || (updateCount != null && updateCount > 0);
        count(eventType, applied ? "applied" : "stale");
    }

    public double value(String eventType, String outcome) {
        return counter(eventType, outcome).count();
    }

    private Counter counter(String eventType, String outcome) {
        String type = eventType != null && KNOWN_TYPES.contains(eventType) ? eventType : "other";
        return Counter.builder("presence_events")
                .description("Lifecycle events by type and outcome")
                .tag("event_type", type)
                .tag("outcome", outcome)
                .register(registry);
    }
}
