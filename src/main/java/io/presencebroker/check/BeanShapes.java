package io.presencebroker.check;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.presencebroker.routes.RouteStep;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperties;
import org.apache.camel.Headers;
import org.apache.camel.Message;

/**
 * What a bean step ({@code bean:}, {@code setBody: method:}) leaves on the exchange: the body becomes what the method
 * returns (its declared type); a method that takes the Exchange or Message (or the headers or properties as a map)
 * may set any header or property and any body, unless it declares what it sets ({@link RouteStep}); any other method
 * sees only its arguments and changes nothing else.
 */
final class BeanShapes {

    private final CamelContext context;

    BeanShapes(CamelContext context) {
        this.context = context;
    }

    /** The shape after calling {@code method} of the bean {@code ref} or of class {@code beanType}. */
    ExchangeShape after(String ref, String beanType, String method, ExchangeShape in) {
        Class<?> type = type(ref, beanType);
        if (type == null || method == null) {
            return ExchangeShape.UNKNOWN; // Camel picks the method per message (or the bean is refused elsewhere)
        }
        String name = resolve(method);
        boolean explicitArguments = name.contains("(");
        name = name.replaceFirst("\\(.*", "").strip();
        List<Method> candidates = candidates(type, name, explicitArguments);
        if (candidates.isEmpty()) {
            return ExchangeShape.UNKNOWN;
        }
        if (candidates.size() == 1 && candidates.get(0).isAnnotationPresent(RouteStep.class)) {
            Method m = candidates.get(0);
            RouteStep declared = m.getAnnotation(RouteStep.class);
            ExchangeShape out = in.withHeaders(List.of(declared.headers())).withProperties(List.of(declared.properties()));
            Type body = m.getReturnType() != void.class ? m.getGenericReturnType()
                    : declared.body() != void.class ? declared.body() : in.body();
            return out.withBody(body);
        }
        boolean touches = candidates.stream().anyMatch(BeanShapes::touchesExchange);
        ExchangeShape out = touches ? in.anyHeaderOrProperty() : in;
        List<Type> returns = candidates.stream().map(Method::getGenericReturnType).distinct().toList();
        if (returns.size() != 1) {
            return out.withBody(null);
        }
        Type returned = returns.get(0);
        if (returned == void.class) {
            return touches ? out.withBody(null) : out;
        }
        return out.withBody(returned == Object.class ? null : returned);
    }

    private Class<?> type(String ref, String beanType) {
        if (ref != null) {
            Object bean = context.getRegistry().lookupByName(resolve(ref));
            return bean == null ? null : bean.getClass();
        }
        if (beanType != null) {
            return context.getClassResolver().resolveClass(resolve(beanType));
        }
        return null;
    }

    /**
     * The public methods Camel may call for {@code name}: when there are several, those whose parameters it can bind
     * from the exchange alone (the body, the Exchange or Message, annotated ones), as Camel chooses among overloads.
     */
    private static List<Method> candidates(Class<?> type, String name, boolean explicitArguments) {
        List<Method> named = Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name)).toList();
        if (named.size() <= 1 || explicitArguments) {
            return named;
        }
        List<Method> bindable = named.stream().filter(BeanShapes::bindable).toList();
        return bindable.isEmpty() ? named : bindable;
    }

    private static boolean bindable(Method m) {
        int body = 0;
        for (Parameter p : m.getParameters()) {
            if (!special(p.getType()) && !camelAnnotated(p)) {
                body++;
            }
        }
        return body <= 1;
    }

    private static boolean touchesExchange(Method m) {
        if (Exchange.class.isAssignableFrom(m.getReturnType()) || Message.class.isAssignableFrom(m.getReturnType())) {
            return true;
        }
        for (Parameter p : m.getParameters()) {
            if (Exchange.class.isAssignableFrom(p.getType()) || Message.class.isAssignableFrom(p.getType())
                    || Map.class.isAssignableFrom(p.getType()) || p.isAnnotationPresent(Headers.class)
                    || p.isAnnotationPresent(ExchangeProperties.class)) {
                return true;
            }
        }
        return false;
    }

    private static boolean special(Class<?> type) {
        return Exchange.class.isAssignableFrom(type) || Message.class.isAssignableFrom(type)
                || CamelContext.class.isAssignableFrom(type) || Throwable.class.isAssignableFrom(type)
                || type.getName().startsWith("org.apache.camel.");
    }

    private static boolean camelAnnotated(Parameter p) {
        return Arrays.stream(p.getAnnotations()).map(Annotation::annotationType).map(Class::getPackageName)
                .anyMatch(pkg -> pkg.startsWith("org.apache.camel"));
    }

    private String resolve(String text) {
        try {
            return Objects.requireNonNull(context.resolvePropertyPlaceholders(text));
        } catch (RuntimeException e) {
            return text;
        }
    }
}
