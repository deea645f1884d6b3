package io.presencebroker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.config.Settings;
import org.apache.camel.CamelContext;
import io.presencebroker.failure.CircuitBreaker;

/** Starts the {@link EmfPublisher} when {@code presence.metrics.emf.enabled} (settings in settings.yaml). */
public final class EmfMetrics {

    private EmfMetrics() {
    }

    public static void install(CamelContext context, Settings props, MeterRegistry meters, PresenceMetrics metrics,
                               CircuitBreaker breaker) {
        if (!props.isTrue("presence.metrics.emf.enabled")) {
            return;
        }
        // half open counts as suspended too: the consumer polls again only once the circuit is closed
        EmfPublisher publisher = new EmfPublisher(meters, metrics.lagWindow(),
                () -> !"closed".equals(breaker.state()),
                props.require("presence.metrics.emf.namespace"), props.require("presence.metrics.emf.service"),
                props.getLong("presence.metrics.emf.interval-ms"));
        context.getRegistry().bind("emfPublisher", publisher);
        try {
            context.addService(publisher, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
