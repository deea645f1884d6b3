package io.presencebroker.check;

import java.lang.reflect.Field;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.language.simple.SimpleExpressionParser;
import org.apache.camel.language.simple.SimplePredicateParser;
import org.apache.camel.language.simple.ast.BinaryExpression;
import org.apache.camel.language.simple.ast.CompositeNodes;
import org.apache.camel.language.simple.ast.LiteralNode;
import org.apache.camel.language.simple.ast.LogicalExpression;
import org.apache.camel.language.simple.ast.SimpleFunctionStart;
import org.apache.camel.language.simple.ast.SimpleNode;
import org.apache.camel.language.simple.ast.UnaryExpression;
import org.apache.camel.language.simple.types.SimpleIllegalSyntaxException;
import org.apache.camel.util.OgnlHelper;
import org.apache.camel.util.StringHelper;

/**
 * One expression of Camel's simple language, parsed by Camel's own parser (a syntax error, an unknown function are
 * refused as Camel would refuse them when the route starts), then each of its functions checked against what the
 * steps before it leave on the exchange ({@link ExchangeShape}): {@code ${header.x}} (also {@code headers.x},
 * {@code in.header.x}, {@code headerAs(x, T)}) must name a header set before, {@code ${exchangeProperty.x}} a property
 * set before, {@code ${body.x.y}} (also {@code in.body}, {@code bodyAs(T).x}) properties of the body's type.
 */
final class SimpleExpressionCheck {

    /** A problem of the expression: its message, and the text to find its line by. */
    record Finding(String near, String message) {
    }

    private final CamelContext context;

    SimpleExpressionCheck(CamelContext context) {
        this.context = context;
    }

    /** The problems of {@code text} (placeholders resolved), a predicate (when, filter) or an expression. */
    List<Finding> check(String text, boolean predicate, ExchangeShape shape) {
        List<SimpleNode> nodes;
        try {
            nodes = predicate ? new Predicates(context, text).parsed() : new Expressions(context, text).parsed();
        } catch (SimpleIllegalSyntaxException e) {
            return List.of(new Finding(firstLine(text), "simple `" + text.strip() + "`: " + e.getShortMessage()
                    + (e.getIndex() >= 0 ? " (at character " + e.getIndex() + ")" : "")));
        } catch (RuntimeException e) {
            // a function Camel could not make (a bean or language it lacks)
            return List.of(new Finding(firstLine(text), "simple `" + text.strip() + "`: " + e));
        }
        List<Finding> findings = new ArrayList<>();
        for (String function : functions(nodes)) {
            String problem = function(function, shape);
            if (problem != null) {
                findings.add(new Finding("${" + function + "}", "`${" + function + "}`: " + problem));
            }
        }
        return findings;
    }

    /** The type {@code text} evaluates to when it is one {@code ${body...}} function of a known type, else null. */
    Type typeOf(String text, ExchangeShape shape) {
        String t = text.strip();
        if (!t.startsWith("${") || !t.endsWith("}") || t.indexOf("${", 2) >= 0) {
            return null;
        }
        String function = t.substring(2, t.length() - 1).strip();
        String ognl = bodyOgnl(function);
        return ognl == null ? null : walk(shape.body(), ognl, new StringBuilder());
    }

    /** The problem of one function (its text between {@code ${ }}), or null. */
    private String function(String function, ExchangeShape shape) {
        String ognl = bodyOgnl(function);
        if (ognl != null) {
            StringBuilder problem = new StringBuilder();
            walk(shape.body(), ognl, problem);
            return problem.isEmpty() ? null : problem.toString();
        }
        for (String prefix : List.of("bodyAs(", "mandatoryBodyAs(")) {
            if (function.startsWith(prefix) && function.contains(")")) {
                String typeName = StringHelper.removeQuotes(StringHelper.between(function, "(", ")").strip());
                Class<?> type = context.getClassResolver().resolveClass(typeName);
                if (type == null) {
                    return "no class " + typeName;
                }
                StringBuilder problem = new StringBuilder();
                walk(type, StringHelper.after(function, ")"), problem);
                return problem.isEmpty() ? null : problem.toString();
            }
        }
        String header = headerName(function);
        if (header != null && !shape.hasHeader(header) && !shape.hasHeader(first(header))) {
            return "no step before it sets header " + header + " (" + listed("headers", shape.headers()) + ")";
        }
        String property = propertyName(function);
        if (property != null && !shape.hasProperty(property) && !shape.hasProperty(first(property))) {
            return "no step before it sets exchange property " + property + " ("
                    + listed("properties", shape.properties()) + ")";
        }
        return null;
    }

    /**
     * The type the OGNL path leads to from {@code type}, or null when it is not known; a property the type lacks is
     * written to {@code problem}.
     */
    private static Type walk(Type type, String ognl, StringBuilder problem) {
        Type current = type;
        if (ognl == null || ognl.isEmpty()) {
            return current;
        }
        for (String part : OgnlHelper.splitOgnl(ognl)) {
            if (current == null) {
                return null;
            }
            String p = part.startsWith("?") ? part.substring(1) : part;
            p = p.startsWith(".") ? p.substring(1) : p;
            int end = 0;
            while (end < p.length() && p.charAt(end) != '(' && p.charAt(end) != '[') {
                end++;
            }
            String name = p.substring(0, end);
            if (!name.isEmpty()) {
                if (!BodyTypes.checkable(current)) {
                    return null;
                }
                Class<?> owner = BodyTypes.raw(current);
                if (!BodyTypes.has(owner, name)) {
                    problem.append(BodyTypes.name(owner)).append(" has no property ").append(name).append(" (it has: ")
                            .append(String.join(", ", BodyTypes.names(owner))).append(")");
                    return null;
                }
                current = BodyTypes.property(current, name);
            }
            for (int i = p.indexOf('[', end); i >= 0 && current != null; i = p.indexOf('[', i + 1)) {
                current = BodyTypes.element(current);
            }
        }
        return current;
    }

    /** The OGNL path of a body function ({@code body.x}: {@code .x}; {@code body}: empty), or null for another. */
    private static String bodyOgnl(String function) {
        for (String prefix : List.of("in.body", "body")) {
            if (function.equals(prefix)) {
                return "";
            }
            if (function.startsWith(prefix)) {
                String rest = function.substring(prefix.length());
                if (rest.startsWith(".") || rest.startsWith("?") || rest.startsWith("[")) {
                    return rest;
                }
            }
        }
        return null;
    }

    /** The header a function reads, as Camel's parser takes it, or null for another function. */
    private static String headerName(String function) {
        if (function.startsWith("headerAs(") && function.contains(",")) {
            return StringHelper.removeQuotes(StringHelper.between(function, "(", ",").strip());
        }
        if (List.of("headers", "in.headers").contains(function) || function.startsWith("headers.size")
                || function.startsWith("headers.length")) {
            return null;
        }
        for (String prefix : List.of("in.headers", "in.header", "headers", "header")) {
            if (function.startsWith(prefix) && function.length() > prefix.length()) {
                return key(function.substring(prefix.length()));
            }
        }
        return null;
    }

    private static String propertyName(String function) {
        String prefix = "exchangeProperty";
        return function.startsWith(prefix) && function.length() > prefix.length()
                ? key(function.substring(prefix.length())) : null;
    }

    /** {@code .name}, {@code :name}, {@code [name]}, {@code .name.ognl}: the name (with what follows, for OGNL). */
    private static String key(String remainder) {
        String key = remainder;
        if (key.startsWith(".") || key.startsWith(":") || key.startsWith("?")) {
            key = key.substring(1);
        }
        if (key.startsWith("[") && key.endsWith("]")) {
            key = key.substring(1, key.length() - 1);
        }
        key = StringHelper.removeLeadingAndEndingQuotes(key);
        int index = key.indexOf('[');
        return index > 0 ? key.substring(0, index) : key;
    }

    /** {@code a.b}: a header {@code a.b}, or {@code b} of header {@code a} (Camel tries both). */
    private static String first(String name) {
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String listed(String what, Set<String> names) {
        return names.isEmpty() ? "none is set before it" : what + " set before it: " + String.join(", ", names);
    }

    /** The functions of the parsed expression whose text is fixed (not built from nested functions), each once. */
    private static Set<String> functions(List<SimpleNode> nodes) {
        Set<String> functions = new LinkedHashSet<>();
        for (SimpleNode node : nodes) {
            collect(node, functions);
        }
        return functions;
    }

    private static void collect(SimpleNode node, Set<String> functions) {
        if (node == null) {
            return;
        }
        if (node instanceof SimpleFunctionStart function) {
            List<SimpleNode> children = function.getBlock().getChildren();
            if (children.size() == 1 && children.get(0) instanceof LiteralNode literal) {
                functions.add(literal.getText().strip());
                return;
            }
            children.forEach(child -> collect(child, functions));
        } else if (node instanceof CompositeNodes composite) {
            composite.getChildren().forEach(child -> collect(child, functions));
        } else if (node instanceof BinaryExpression binary) {
            collect(binary.getLeft(), functions);
            collect(binary.getRight(), functions);
        } else if (node instanceof LogicalExpression logical) {
            collect(logical.getLeft(), functions);
            collect(logical.getRight(), functions);
        } else if (node instanceof UnaryExpression unary) {
            collect(unary.getLeft(), functions);
        } else {
            // quoted text with functions in it ("${header.x}"): its block, which not every quote node exposes
            collect(block(node), functions);
        }
    }

    private static SimpleNode block(SimpleNode node) {
        for (Class<?> c = node.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField("block");
                field.setAccessible(true);
                return field.get(node) instanceof SimpleNode block ? block : null;
            } catch (NoSuchFieldException e) {
                // not here: its superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 40 ? line.substring(0, 40) : line;
    }

    /** Camel's expression parser, its syntax tree kept. */
    private static final class Expressions extends SimpleExpressionParser {
        Expressions(CamelContext context, String text) {
            super(context, text, true, null);
        }

        List<SimpleNode> parsed() {
            parseExpression();
            return nodes;
        }
    }

    /** Camel's predicate parser, its syntax tree kept. */
    private static final class Predicates extends SimplePredicateParser {
        Predicates(CamelContext context, String text) {
            super(context, text, true, null);
        }

        List<SimpleNode> parsed() {
            parsePredicate();
            return nodes;
        }
    }
}
