package io.presencebroker.check;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.presencebroker.check.RouteWiring;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.Endpoint;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
import org.apache.camel.component.scheduler.SchedulerEndpoint;
import software.amazon.awssdk.services.sqs.SqsClient;
import org.apache.camel.Processor;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.LineNumberAware;
import org.apache.camel.spi.RoutePolicy;

/**
 * The loaded routes, walked before any of them is started: what Camel would only find at start, one problem at a
 * time, or only when a message gets there, all at once and each with its file and line. Simple expressions are
 * checked along each route's flow ({@link RouteFlow}).
 */
final class RouteModelCheck {

    /** {@code {{name}}}; not {@code {{?name}}} (optional) nor {@code {{name:default}}} nor {@code {{env:NAME}}}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\??)([^}:]+)(:[^}]*)?}}");

    private final CamelContext context;
    private final Path dir;
    /** The lines of each route file, as read once by {@link RouteCheck}. */
    private final Map<Path, List<String>> files;
    private final List<Problem> problems = new ArrayList<>();

    RouteModelCheck(CamelContext context, Path dir, Map<Path, List<String>> files) {
        this.context = context;
        this.dir = dir;
        this.files = files;
    }

    List<Problem> problems() {
        placeholders();
        // at start camel-main autowires the bound SQS client into the component; the endpoints are made before that
        SqsClient sqs = context.getRegistry().findSingleByType(SqsClient.class);
        context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration().setAmazonSQSClient(sqs);
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        Set<String> consumed = new HashSet<>();
        for (RouteDefinition route : model.getRouteDefinitions()) {
            consumed.add(base(resolve(route.getInput().getEndpointUri())));
        }
        for (RouteDefinition route : model.getRouteDefinitions()) {
            Endpoint input = endpoint(route.getInput(), route.getInput().getEndpointUri(), null);
            if (input instanceof SchedulerEndpoint scheduler && scheduler.isGreedy() && !scheduler.isSynchronous()) {
                // Camel's scheduler reads the route's "polled messages" answer as soon as process() returns: from a
                // route that finishes on another thread (a parallel split) it reads the default, "polled", so a
                // greedy scheduler looks again at once after every look, a tight loop of small batches
                problem(route.getInput(), "greedy:", "endpoint " + base(route.getInput().getEndpointUri())
                        + ": a greedy scheduler needs synchronous: true (else it looks again at once after every look"
                        + " whose route finishes on another thread)");
            }
            guarded(route);
            for (String ref : RouteWiring.policyRefs(context, route)) {
                bean(route, ref, RoutePolicy.class, "routePolicy");
            }
            steps(route.getOutputs(), consumed);
        }
        for (RouteConfigurationDefinition configuration : model.getRouteConfigurationDefinitions()) {
            for (OnExceptionDefinition onException : configuration.getOnExceptions()) {
                steps(List.of(onException), consumed);
            }
            if (!(configuration.getIntercepts().isEmpty() && configuration.getInterceptFroms().isEmpty()
                    && configuration.getInterceptSendTos().isEmpty() && configuration.getOnCompletions().isEmpty())) {
                // they run around every route, the read API's before its guard, and their steps escape the walk
                problem(configuration, "policy: routeConfiguration " + configuration.getId() + ": intercept,"
                        + " interceptFrom, interceptSendToEndpoint and onCompletion are not allowed in a route file");
            }
        }
        beanReferences();
        simpleExpressions(model);
        for (String wiring : RouteWiring.problems(context, true)) {
            problems.add(new Problem(dir.toString(), 0, wiring));
        }
        return problems;
    }

    /** A route the read API's HTTP server serves starts with the guard (the policy), before any other step. */
    private void guarded(RouteDefinition route) {
        String uri = resolve(route.getInput().getEndpointUri());
        if (!uri.startsWith(RouteFilePolicy.API_COMPONENT + ":")) {
            return;
        }
        List<ProcessorDefinition<?>> outputs = route.getOutputs();
        if (outputs.isEmpty() || !(outputs.get(0) instanceof ProcessDefinition first)
                || !RouteFilePolicy.GUARD.equals(first.getRef())) {
            problem(route.getInput(), "policy: route " + route.getRouteId() + " serves " + base(uri) + " without the"
                    + " guard: its first step must be `process: ref: " + RouteFilePolicy.GUARD + "` (bearer token, rate limit)");
        }
    }

    /** Every simple expression, against what the steps before it leave on the exchange ({@link RouteFlow}). */
    private void simpleExpressions(Model model) {
        RouteFlow flow = new RouteFlow(context, this::problem);
        List<RouteConfigurationDefinition> configurations = model.getRouteConfigurationDefinitions();
        boolean intercepted = configurations.stream().anyMatch(c -> !(c.getIntercepts().isEmpty()
                && c.getInterceptFroms().isEmpty() && c.getInterceptSendTos().isEmpty() && c.getOnCompletions().isEmpty()));
        for (RouteDefinition route : model.getRouteDefinitions()) {
            flow.route(route, intercepted);
        }
        for (RouteConfigurationDefinition configuration : configurations) {
            configuration.getOnExceptions().forEach(flow::anywhere);
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private void steps(List<? extends ProcessorDefinition<?>> outputs, Set<String> consumed) {
        List<ProcessorDefinition> all = new ArrayList<>(outputs);
        all.addAll(ProcessorDefinitionHelper.filterTypeInOutputs((List) outputs, ProcessorDefinition.class));
        Set<ProcessorDefinition<?>> seen = new HashSet<>();
        for (ProcessorDefinition<?> step : all) {
            if (!seen.add(step)) {
                continue;
            }
            String dynamic = RouteFilePolicy.dynamicEndpoints(step.getShortName());
            if (dynamic != null) {
                problem(step, dynamic);
            }
            if (step instanceof BeanDefinition bean) {
                beanStep(bean);
            } else if (step instanceof ProcessDefinition process && process.getRef() != null) {
                bean(process, process.getRef(), Processor.class, "process");
            }
            if (step instanceof EndpointRequiredDefinition send && send.getEndpointUri() != null) {
                endpoint(step, send.getEndpointUri(), consumed);
            } else if (step instanceof ToDynamicDefinition dynamicSend && dynamicSend.getUri() != null) {
                String policy = RouteFilePolicy.component(resolve(dynamicSend.getUri())); // toD, wireTap
                if (policy != null) {
                    problem(step, policy);
                }
            }
        }
    }

    private void beanStep(BeanDefinition step) {
        Class<?> type = null;
        if (step.getRef() != null) {
            Object bean = bean(step, step.getRef(), Object.class, "bean");
            type = bean == null ? null : bean.getClass();
        } else if (step.getBeanType() != null) {
            String policy = RouteFilePolicy.beanType(resolve(step.getBeanType()));
            if (policy != null) {
                problem(step, "beanType:", policy);
                return;
            }
            try {
                type = context.getClassResolver().resolveMandatoryClass(resolve(step.getBeanType()));
            } catch (ClassNotFoundException e) {
                problem(step, "beanType:", "bean: class " + step.getBeanType() + " not found");
            }
        }
        if (type != null && step.getMethod() != null) {
            String method = resolve(step.getMethod()).replaceFirst("\\(.*", "").strip();
            if (Arrays.stream(type.getMethods()).map(Method::getName).noneMatch(method::equals)) {
                problem(step, "method:", "bean " + (step.getRef() != null ? step.getRef() : type.getSimpleName())
                        + " has no public method " + method + " (" + type.getName() + ")");
            }
        }
    }

    private Object bean(Object step, String name, Class<?> type, String what) {
        Object bean = context.getRegistry().lookupByName(name);
        if (bean == null) {
            problem(step, name, what + ": no bean named " + name + " in the registry");
            return null;
        }
        if (!type.isInstance(bean)) {
            problem(step, name, what + ": bean " + name + " is a " + bean.getClass().getName() + ", not a " + type.getSimpleName());
            return null;
        }
        return bean;
    }

    /**
     * The URI, its placeholders resolved, made into an endpoint by its real component: unknown options are refused.
     * The endpoint made, or null when it could not be made (a problem is reported) or is made per message.
     */
    private Endpoint endpoint(Object step, String uri, Set<String> consumed) {
        String resolved;
        try {
            resolved = context.resolvePropertyPlaceholders(uri);
        } catch (RuntimeException e) {
            return null; // reported by the placeholder check, with its line
        }
        String policy = RouteFilePolicy.component(resolved);
        if (policy != null) {
            problem(step, policy);
            return null;
        }
        if (resolved.contains("${")) {
            return null; // a dynamic URI (toD): resolved per message
        }
        Endpoint endpoint;
        try {
            // made by its component and configured (an unknown option is refused), but neither started nor initialised:
            // an SQS endpoint would look its queue up at init
            String scheme = resolved.substring(0, Math.max(0, resolved.indexOf(':')));
            Component component = context.getComponent(scheme);
            if (component == null) {
                problem(step, "endpoint " + uri + ": no component " + scheme + " (a misspelt scheme, or one this service does not ship)");
                return null;
            }
            endpoint = component.createEndpoint(resolved);
        } catch (Exception e) {
            problem(step, "endpoint " + base(uri) + ": " + rootMessage(e));
            return null;
        }
        String base = base(resolved);
        if (consumed != null && base.startsWith("direct:") && !consumed.contains(base)) {
            problem(step, "no route consumes " + base + " (a route `from` " + base + " is needed)");
        }
        return endpoint;
    }

    /** Every bean a line refers to by name is one of the service's; no expression reaches the Camel context. */
    private void beanReferences() {
        for (Map.Entry<Path, List<String>> entry : files.entrySet()) {
            List<String> lines = entry.getValue();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (RouteFilePolicy.CONTEXT.matcher(line).find()) {
                    problems.add(new Problem(entry.getKey().toString(), i + 1, "policy: an expression may not reach the"
                            + " Camel context (its registry holds every bean and property)"));
                }
                Matcher m = RouteFilePolicy.BEAN_REFERENCE.matcher(line);
                while (m.find()) {
                    String problem = RouteFilePolicy.referencedBean(m.group(1),
                            context.getRegistry().lookupByName(m.group(1)));
                    if (problem != null) {
                        problems.add(new Problem(entry.getKey().toString(), i + 1, problem));
                    }
                }
            }
        }
    }

    /** Every {@code {{name}}} of every file resolves: the line of each that does not. */
    private void placeholders() {
        for (Map.Entry<Path, List<String>> entry : files.entrySet()) {
            Path file = entry.getKey();
            List<String> lines = entry.getValue();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("#")) {
                    continue;
                }
                Matcher m = PLACEHOLDER.matcher(line);
                while (m.find()) {
                    String name = m.group(2).strip();
                    boolean optional = !m.group(1).isEmpty() || m.group(3) != null || name.startsWith("env:")
                            || name.startsWith("sys:");
                    if (!optional && context.getPropertiesComponent().resolveProperty(name).isEmpty()) {
                        problems.add(new Problem(file.toString(), i + 1, "property placeholder {{" + name
                                + "}} is not set (not declared in settings.yaml, nor set by the environment variable "
                                + io.presencebroker.config.Settings.variable(name) + ")"));
                    }
                }
            }
        }
    }

    private void problem(Object step, String message) {
        problem(step, null, message);
    }

    /** The problem at the first line of the step that contains {@code text} (a key, a name), else at the step's line. */
    private void problem(Object step, String text, String message) {
        String file = dir.toString();
        int line = 0;
        if (step instanceof LineNumberAware aware && aware.getLocation() != null) {
            String location = aware.getLocation().replaceFirst("^file:", "");
            Path path = files.keySet().stream()
                    .filter(f -> f.toString().equals(location) || location.endsWith("/" + f.getFileName()))
                    .findFirst().orElse(null);
            file = path != null ? path.toString() : location;
            line = aware.getLineNumber();
            if (path != null && text != null && line > 0) {
                line = lineWith(files.get(path), line, text);
            }
        }
        problems.add(new Problem(file, line, message));
    }

    private static int lineWith(List<String> lines, int from, String text) {
        for (int i = from - 1; i < Math.min(lines.size(), from + 10); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        return from;
    }

    private String resolve(String text) {
        try {
            return context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return text;
        }
    }

    private static String base(String uri) {
        int query = uri.indexOf('?');
        return (query < 0 ? uri : uri.substring(0, query)).replaceFirst("^direct://", "direct:");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        int dueTo = message.indexOf(" due to: ");
        return (dueTo < 0 ? message : message.substring(dueTo + " due to: ".length())).replaceAll("\\s+", " ");
    }
}
