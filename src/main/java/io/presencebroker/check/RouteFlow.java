package io.presencebroker.check;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.CatchDefinition;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.ConvertBodyDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.HasExpressionType;
import org.apache.camel.model.InterceptDefinition;
import org.apache.camel.model.InterceptFromDefinition;
import org.apache.camel.model.InterceptSendToEndpointDefinition;
import org.apache.camel.model.LogDefinition;
import org.apache.camel.model.LoopDefinition;
import org.apache.camel.model.OnCompletionDefinition;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RemoveHeaderDefinition;
import org.apache.camel.model.RemoveHeadersDefinition;
import org.apache.camel.model.RemovePropertiesDefinition;
import org.apache.camel.model.RemovePropertyDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SetBodyDefinition;
import org.apache.camel.model.SetHeaderDefinition;
import org.apache.camel.model.SetHeadersDefinition;
import org.apache.camel.model.SetPropertyDefinition;
import org.apache.camel.model.SetVariableDefinition;
import org.apache.camel.model.SplitDefinition;
import org.apache.camel.model.StopDefinition;
import org.apache.camel.model.TransformDefinition;
import org.apache.camel.model.TryDefinition;
import org.apache.camel.model.ValidateDefinition;
import org.apache.camel.model.WhenDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.model.language.MethodCallExpression;

/**
 * A route's steps in the order a message meets them, each with what the steps before it leave on the exchange
 * ({@link ExchangeShape}), and every simple expression checked against that ({@link SimpleExpressionCheck}). A step
 * this does not know (a processor, an endpoint, a data format) may leave anything, and nothing after it is refused
 * for a header or the body.
 */
final class RouteFlow {

    /** Where a problem goes: the step, the text to find its line by, the message. */
    interface Report {
        void problem(Object step, String near, String message);
    }

    private final CamelContext context;
    private final SimpleExpressionCheck simple;
    private final BeanShapes beans;
    private final Report report;

    RouteFlow(CamelContext context, Report report) {
        this.context = context;
        this.simple = new SimpleExpressionCheck(context);
        this.beans = new BeanShapes(context);
        this.report = report;
    }

    /** A route from its consumer on; {@code intercepted}: a route configuration intercepts its exchanges. */
    void route(RouteDefinition route, boolean intercepted) {
        // a route policy sees each exchange first, and may set anything
        boolean own = route.getOutputs().stream().anyMatch(RouteFlow::intercepts) || route.getRoutePolicyRef() != null
                || route.getRoutePolicies() != null && !route.getRoutePolicies().isEmpty();
        ExchangeShape start = intercepted || own ? ExchangeShape.UNKNOWN
                : ConsumerShapes.of(resolve(route.getInput().getEndpointUri()));
        steps(route.getOutputs(), start);
    }

    /** Steps that run on an exchange of any route at any point (an onException's). */
    void anywhere(ProcessorDefinition<?> step) {
        step(step, ExchangeShape.UNKNOWN);
    }

    static boolean intercepts(ProcessorDefinition<?> step) {
        return step instanceof InterceptDefinition || step instanceof InterceptFromDefinition
                || step instanceof InterceptSendToEndpointDefinition || step instanceof OnCompletionDefinition;
    }

    private ExchangeShape steps(List<? extends ProcessorDefinition<?>> steps, ExchangeShape in) {
        ExchangeShape shape = in;
        for (ProcessorDefinition<?> step : steps) {
            shape = step(step, shape);
        }
        return shape;
    }

    private ExchangeShape step(ProcessorDefinition<?> step, ExchangeShape in) {
        subExpressions(step, in);
        if (step instanceof ChoiceDefinition choice) {
            ExchangeShape out = null;
            for (WhenDefinition when : choice.getWhenClauses()) {
                expression(when, when.getExpression(), true, in);
                ExchangeShape branch = steps(when.getOutputs(), in);
                out = out == null ? branch : out.merge(branch);
            }
            ExchangeShape otherwise = choice.getOtherwise() == null ? in : steps(choice.getOtherwise().getOutputs(), in);
            return out == null ? otherwise : out.merge(otherwise);
        }
        if (step instanceof SetHeadersDefinition headers) {
            List<String> names = new ArrayList<>();
            for (SetHeaderDefinition header : headers.getHeaders()) {
                expression(headers, header.getExpression(), false, in);
                names.add(resolve(header.getName()));
            }
            return names.stream().anyMatch(n -> n.contains("${")) ? in.anyHeaderOrProperty() : in.withHeaders(names);
        }
        if (step instanceof LogDefinition log) {
            expression(log, log.getMessage(), false, in);
            return in;
        }
        if (step instanceof ExpressionNode node) {
            expression(node, node.getExpression(), predicate(node), in);
        }
        if (step instanceof SetHeaderDefinition header) {
            String name = resolve(header.getName());
            return name.contains("${") ? in.anyHeaderOrProperty() : in.withHeaders(List.of(name));
        }
        if (step instanceof SetPropertyDefinition property) {
            String name = resolve(property.getName());
            return name.contains("${") ? in.anyHeaderOrProperty() : in.withProperties(List.of(name));
        }
        if (step instanceof SetBodyDefinition || step instanceof TransformDefinition) {
            return body((ExpressionNode) step, in);
        }
        if (step instanceof BeanDefinition bean) {
            return beans.after(bean.getRef(), bean.getBeanType(), bean.getMethod(), in);
        }
        if (step instanceof ConvertBodyDefinition convert) {
            return in.withBody(convert.getType() == null ? null
                    : context.getClassResolver().resolveClass(resolve(convert.getType())));
        }
        if (step instanceof FilterDefinition filter) {
            return in.merge(steps(filter.getOutputs(), in));
        }
        if (step instanceof SplitDefinition split) {
            Type element = BodyTypes.element(typeOf(split.getExpression(), in));
            steps(split.getOutputs(), in.withBody(element));
            // without an aggregation strategy the exchange goes on as it came in
            return split.getAggregationStrategy() == null ? in : ExchangeShape.UNKNOWN;
        }
        if (step instanceof TryDefinition doTry) {
            ExchangeShape tried = steps(doTry.getOutputsWithoutCatches(), in);
            // a catch starts wherever the try failed: with no more than the try began with, the body unknown
            ExchangeShape failed = in.merge(tried).withBody(null);
            ExchangeShape out = tried;
            for (CatchDefinition doCatch : doTry.getCatchClauses()) {
                subExpressions(doCatch, failed);
                out = out.merge(steps(doCatch.getOutputs(), failed));
            }
            // a finally runs after either
            return doTry.getFinallyClause() == null ? out : steps(doTry.getFinallyClause().getOutputs(), failed.merge(out));
        }
        if (step instanceof OnExceptionDefinition) {
            steps(step.getOutputs(), ExchangeShape.UNKNOWN);
            return in;
        }
        if (step instanceof SetVariableDefinition || step instanceof RemoveHeaderDefinition
                || step instanceof RemoveHeadersDefinition || step instanceof RemovePropertyDefinition
                || step instanceof RemovePropertiesDefinition || step instanceof StopDefinition
                || step instanceof ValidateDefinition) {
            return in;
        }
        // anything else (a processor, an endpoint, a data format, an EIP with steps of its own): anything may follow
        steps(step.getOutputs(), ExchangeShape.UNKNOWN);
        return ExchangeShape.UNKNOWN;
    }

    private ExchangeShape body(ExpressionNode step, ExchangeShape in) {
        ExpressionDefinition expression = step.getExpression();
        if (expression instanceof MethodCallExpression method) {
            String beanType = method.getBeanType() != null ? method.getBeanType().getName() : method.getBeanTypeName();
            return beans.after(method.getRef(), beanType, method.getMethod(), in);
        }
        return in.withBody(typeOf(expression, in));
    }

    private Type typeOf(ExpressionDefinition expression, ExchangeShape in) {
        String text = simpleText(expression);
        return text == null ? null : simple.typeOf(text, in);
    }

    private static boolean predicate(ExpressionNode node) {
        return node instanceof FilterDefinition || node instanceof ValidateDefinition
                || node instanceof LoopDefinition loop && "true".equalsIgnoreCase(loop.getDoWhile());
    }

    /**
     * The expressions a step holds besides its own (an onException's onWhen, handled, retryWhile; an aggregate's
     * completion predicate): each read by its getter.
     */
    private void subExpressions(Object step, ExchangeShape in) {
        for (Method getter : step.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !HasExpressionType.class.isAssignableFrom(getter.getReturnType())
                    || getter.getName().equals("getExpressionType")) {
                continue;
            }
            try {
                if (getter.invoke(step) instanceof HasExpressionType sub && sub.getExpressionType() != null) {
                    String name = getter.getName();
                    boolean predicate = name.contains("When") || name.contains("Predicate")
                            || List.of("getHandled", "getContinued", "getRetryWhile").contains(name);
                    expression(step, sub.getExpressionType(), predicate, in);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // a getter that needs more than the model: nothing to check
            }
        }
    }

    private void expression(Object step, ExpressionDefinition expression, boolean predicate, ExchangeShape in) {
        String text = simpleText(expression);
        if (text != null) {
            expression(step, text, predicate, in);
        }
    }

    private void expression(Object step, String text, boolean predicate, ExchangeShape in) {
        if (text == null) {
            return;
        }
        String resolved;
        try {
            resolved = context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return; // reported by the placeholder check, with its line
        }
        for (SimpleExpressionCheck.Finding finding : simple.check(resolved, predicate, in)) {
            report.problem(step, finding.near(), finding.message());
        }
    }

    /** The text of a simple expression, trimmed as Camel does; null for another language. */
    private static String simpleText(ExpressionDefinition expression) {
        if (expression == null || !"simple".equals(expression.getLanguage()) || expression.getExpression() == null) {
            return null;
        }
        return "false".equalsIgnoreCase(expression.getTrim()) ? expression.getExpression() : expression.getExpression().strip();
    }

    private String resolve(String text) {
        try {
            return text == null ? "" : context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return text;
        }
    }
}
