package io.presencebroker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;

/** The meter registry the service's counters go to: the one camel-main bound (camel.metrics), else one of its own. */
public final class Meters {

    private static final String NAME = "presenceMeterRegistry";

    private Meters() {
    }

    public static synchronized MeterRegistry of(CamelContext context) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(NAME, MeterRegistry.class);
        if (registry == null) {
            registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        }
        if (registry == null) {
            registry = new SimpleMeterRegistry();
            context.getRegistry().bind(NAME, MeterRegistry.class, registry);
        }
        return registry;
    }
}
