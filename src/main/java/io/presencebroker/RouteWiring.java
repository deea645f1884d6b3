package io.presencebroker;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.model.FromDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;

/**
 * What the Java side needs of the YAML routes, checked on the loaded routes before any of them starts, so that an
 * edit which drops a part of the wiring fails the start with a message that says what is missing, instead of
 * running without it. Nothing here depends on a route id or a file name: routes may be renamed, split and moved
 * between files freely. A consumer of SQS queue Q needs:
 * <ul>
 * <li>the events queue: route policies {@code eventsAcknowledger} (deletes its messages) and
 * {@code databaseCircuitBreaker} (suspends it while the database is down), and the {@code lifecycleBatch} step
 * (commits its events) reachable from it, directly or through {@code direct:} endpoints;</li>
 * <li>the outbox queue (delivery on): route policy {@code outboxAcknowledger};</li>
 * </ul>
 * and some route must consume {@code direct:dead-letter}, where the Java steps dead-letter single events of a batch.
 */
public final class RouteWiring {

    /** A requirement of a route that consumes a queue. */
    record Requirement(String queueSetting, List<String> policies, String step) {
    }

    private RouteWiring() {
    }

    /** The problems, one sentence each; empty when the routes have what the service needs. */
    public static List<String> problems(CamelContext context, boolean deliveryEnabled) {
        List<Requirement> requirements = new ArrayList<>();
        requirements.add(new Requirement("presence.events-queue", List.of("eventsAcknowledger", "databaseCircuitBreaker"),
                "lifecycleBatch"));
        if (deliveryEnabled) {
            requirements.add(new Requirement("presence.outbox-queue", List.of("outboxAcknowledger"), null));
        }
        List<RouteDefinition> routes = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions();
        List<String> problems = new ArrayList<>();
        for (Requirement r : requirements) {
            String queue = context.resolvePropertyPlaceholders("{{" + r.queueSetting() + "}}");
            List<RouteDefinition> consumers = routes.stream().filter(d -> queue.equals(sqsQueue(context, d.getInput()))).toList();
            if (consumers.isEmpty()) {
                problems.add("no route consumes SQS queue " + queue + " (" + r.queueSetting() + "): a route `from` aws2-sqs:"
                        + queue + " is needed");
            }
            for (RouteDefinition d : consumers) {
                Set<String> policies = policyRefs(context, d);
                for (String policy : r.policies()) {
                    if (!policies.contains(policy)) {
                        problems.add("route " + describe(d) + " consumes " + queue + " without routePolicy " + policy);
                    }
                }
                if (r.step() != null && !reaches(context, routes, d, r.step(), new HashSet<>())) {
                    problems.add("route " + describe(d) + " consumes " + queue + " but never reaches the step `process: {ref: "
                            + r.step() + "}` (directly or through direct: endpoints): its events would never be committed");
                }
            }
        }
        String deadLetter = io.presencebroker.failure.DeadLetterSender.ENDPOINT;
        if (routes.stream().noneMatch(d -> deadLetter.equals(uri(context, d.getInput().getEndpointUri())))) {
            problems.add("no route consumes " + deadLetter + " (the dead-letter flow, routes/dead-letter.yaml)");
        }
        return problems;
    }

    /** Refuses the start when {@link #problems} finds any. */
    public static void require(CamelContext context, boolean deliveryEnabled) {
        List<String> problems = problems(context, deliveryEnabled);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The routes lack what the service needs:\n  " + String.join("\n  ", problems));
        }
    }

    private static boolean reaches(CamelContext context, List<RouteDefinition> routes, RouteDefinition route, String step,
                                   Set<String> seen) {
        if (!seen.add(route.getInput().getEndpointUri())) {
            return false;
        }
        for (ProcessDefinition p : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ProcessDefinition.class)) {
            if (step.equals(p.getRef())) {
                return true;
            }
        }
        for (ToDefinition to : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ToDefinition.class)) {
            String target = uri(context, to.getUri());
            if (target.startsWith("direct:")) {
                for (RouteDefinition next : routes) {
                    if (target.equals(uri(context, next.getInput().getEndpointUri()))
                            && reaches(context, routes, next, step, seen)) {
                        return true;
                    }
                }
            }
        }
        return false;
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

    /** The queue name of an aws2-sqs consumer, else null. */
    private static String sqsQueue(CamelContext context, FromDefinition from) {
        String uri = uri(context, from.getEndpointUri());
        if (!uri.startsWith("aws2-sqs:")) {
            return null;
        }
        String rest = uri.substring("aws2-sqs:".length()).replaceFirst("^//", "");
        int query = rest.indexOf('?');
        return query < 0 ? rest : rest.substring(0, query);
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
