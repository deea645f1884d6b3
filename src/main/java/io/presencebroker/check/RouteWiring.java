package io.presencebroker.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.presencebroker.delivery.OutboxComponent;
import io.presencebroker.lifecycle.LifecycleEventsComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.errorhandler.NoErrorHandlerDefinition;
import org.apache.camel.model.errorhandler.RefErrorHandlerDefinition;
import org.apache.camel.spi.OnCamelContextInitializing;
import org.apache.camel.spi.OnCamelContextStarting;
import org.apache.camel.spi.RoutePolicyFactory;

/**
 * What the Java side needs of the YAML routes, checked on the loaded routes before any of them starts, so that an
 * edit which drops a part of the wiring fails the start with a message that says what is missing, instead of
 * running without it. Nothing here depends on a route id or a file name: routes may be renamed, split and moved
 * between files freely. The service needs:
 * <ul>
 * <li>one route that consumes {@code lifecycle-events:} the events queue (its consumer owns the poll's protocol:
 * batching, commit, deletes, visibility, circuit breaker; no route line can turn those off). Its failures are the
 * consumer's too (dead letters, retries, the poison rule): the route gets no error handler of Camel's, which would
 * log each invalid event as an error before the consumer dead-letters it;</li>
 * <li>delivery on: one route that consumes {@code outbox:} the outbox queue (its consumer owns the poll's protocol:
 * parse, claims, publishes, pushes, the record, deletes, visibility; its failures are the consumer's too);</li>
 * <li>a route that consumes {@code direct:dead-letter}, where failed messages are dead-lettered.</li>
 * </ul>
 */
public final class RouteWiring {

    private RouteWiring() {
    }

    /** The problems, one sentence each; empty when the routes have what the service needs. */
    public static List<String> problems(CamelContext context, boolean deliveryEnabled) {
        List<RouteDefinition> routes = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions();
        List<String> problems = new ArrayList<>();
        String events = LifecycleEventsComponent.SCHEME + ":" + context.resolvePropertyPlaceholders("{{presence.events-queue}}");
        oneConsumer(context, routes, events, "presence.events-queue", "the lifecycle flow (routes/lifecycle-events.yaml)",
                "presence.consumers", problems);
        if (deliveryEnabled) {
            String outbox = OutboxComponent.SCHEME + ":" + context.resolvePropertyPlaceholders("{{presence.outbox-queue}}");
            oneConsumer(context, routes, outbox, "presence.outbox-queue", "the delivery flow (routes/delivery.yaml)",
                    "presence.delivery.consumers", problems);
        }
        String deadLetter = io.presencebroker.failure.DeadLetterSender.ENDPOINT;
        if (routes.stream().noneMatch(d -> deadLetter.equals(uri(context, d.getInput().getEndpointUri())))) {
            problems.add("no route consumes " + deadLetter + " (the dead-letter flow, routes/dead-letter.yaml)");
        }
        return problems;
    }

    private static void oneConsumer(CamelContext context, List<RouteDefinition> routes, String uri, String setting,
                                    String flow, String threads, List<String> problems) {
        List<RouteDefinition> consumers = routes.stream().filter(d -> uri.equals(uri(context, d.getInput().getEndpointUri())))
                .toList();
        if (consumers.isEmpty()) {
            problems.add("no route consumes " + uri + " (" + setting + "): " + flow + " needs a route `from` it");
        } else if (consumers.size() > 1) {
            problems.add("routes " + consumers.stream().map(RouteWiring::describe).toList() + " all consume " + uri
                    + ": one route consumes it (its consumer runs " + threads + " threads)");
        }
    }

    /** Refuses the start when {@link #problems} finds any. */
    public static void require(CamelContext context, boolean deliveryEnabled) {
        List<String> problems = problems(context, deliveryEnabled);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The routes lack what the service needs:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * The routes of the lifecycle and outbox consumers (production and tests alike): their failures are left to those
     * consumers, so no Camel error handler on them, set as the context initialises, before it builds the routes; and
     * no per-route timers, set as it starts, once camel-main has added the metrics' route policy factory and before
     * any route starts (the policy reads its exclusions then).
     */
    public static final class HotPaths implements OnCamelContextInitializing, OnCamelContextStarting {

        @Override
        public void onContextInitializing(CamelContext context) {
            for (RouteDefinition d : hotPathRoutes(context)) {
                // the route builder gives every route a reference to the context's default error handler: replaced,
                // unless the route file names an error handler of its own
                if (d.getErrorHandlerFactory() == null || d.getErrorHandlerFactory() instanceof RefErrorHandlerDefinition ref
                        && RefErrorHandlerDefinition.DEFAULT_ERROR_HANDLER_BUILDER.equals(ref.getRef())) {
                    d.errorHandler(new NoErrorHandlerDefinition());
                }
            }
        }

        @Override
        public void onContextStarting(CamelContext context) {
            List<String> ids = hotPathRoutes(context).stream().map(RouteDefinition::getRouteId).toList();
            // the lifecycle and delivery flows are measured by their own counters (presence_events_total,
            // presence_event_lag, presence_deliveries_total); the context-wide and the other routes' camel_exchanges_* stay
            for (RoutePolicyFactory factory : context.getRoutePolicyFactories()) {
                if (factory instanceof MicrometerRoutePolicyFactory micrometer && !ids.isEmpty()) {
                    micrometer.getPolicyConfiguration().setExcludePattern(String.join(",", ids));
                }
            }
        }

        private static List<RouteDefinition> hotPathRoutes(CamelContext context) {
            List<RouteDefinition> routes = new ArrayList<>();
            for (RouteDefinition d : context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions()) {
                String from = uri(context, d.getInput().getEndpointUri());
                if (from.startsWith(LifecycleEventsComponent.SCHEME + ":") || from.startsWith(OutboxComponent.SCHEME + ":")) {
                    routes.add(d);
                }
            }
            return routes;
        }
    }

    /** The bean names of a route's {@code routePolicy} list (placeholders resolved, {@code #bean:} prefixes dropped). */
    public static Set<String> policyRefs(CamelContext context, RouteDefinition d) {
        Set<String> refs = new HashSet<>();
        if (d.getRoutePolicyRef() != null) {
            for (String ref : context.resolvePropertyPlaceholders(d.getRoutePolicyRef()).split(",")) {
                refs.add(ref.strip().replaceFirst("^#(bean:)?", ""));
            }
        }
        return refs;
    }

    /** The URI with its placeholders resolved, without its query. */
    private static String uri(CamelContext context, String uri) {
        String resolved = context.resolvePropertyPlaceholders(uri);
        int query = resolved.indexOf('?');
        return query < 0 ? resolved : resolved.substring(0, query);
    }

    private static String describe(RouteDefinition d) {
        String location = d.getLocation() != null ? " (" + d.getLocation() + (d.getLineNumber() > 0 ? ":" + d.getLineNumber() : "") + ")" : "";
        return d.getRouteId() + location;
    }
}
