package io.presencebroker.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.presencebroker.lifecycle.LifecycleEventParser;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * Every {@link RouteStep} declaration against what its method does: run on an exchange like the one a route gives
 * it, the method sets exactly the headers and properties it declares and the body it declares. check-routes trusts
 * these declarations (a header a step sets but does not declare is refused in the routes after it; one it declares
 * but no longer sets is let through), so they cannot drift from the code without failing here.
 */
class RouteStepTest {

    /** One annotated method, run: the exchange it gets, and the call. */
    record Run(Method method, Consumer<Exchange> prepare, Consumer<Exchange> call) {
    }

    static List<Run> runs() throws NoSuchMethodException {
        LifecycleEventParser parser = new LifecycleEventParser(Clock.systemUTC(), 60_000);
        return List.of(new Run(LifecycleEventParser.class.getMethod("parse", Exchange.class), exchange -> {
            // what the lifecycle-events consumer gives the route
            exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, "m-1");
            exchange.getIn().setBody("{\"clientId\":\"c-1\",\"timestamp\":1,\"eventType\":\"connected\","
                    + "\"sessionIdentifier\":\"s-1\",\"versionNumber\":1}");
        }, parser::parse));
    }

    @Test
    void everyDeclaredStepIsRunHere() throws Exception {
        assertThat(annotated()).as("methods annotated @RouteStep (each needs a Run here)")
                .containsExactlyInAnyOrderElementsOf(runs().stream().map(Run::method).toList());
    }

    @Test
    void eachDeclaredStepSetsWhatItDeclaresAndNothingElse() throws Exception {
        for (Run run : runs()) {
            RouteStep declared = run.method().getAnnotation(RouteStep.class);
            Exchange exchange = new DefaultExchange(new DefaultCamelContext());
            run.prepare().accept(exchange);
            Map<String, Object> headers = new HashMap<>(exchange.getIn().getHeaders());
            Map<String, Object> properties = new HashMap<>(exchange.getProperties());

            run.call().accept(exchange);

            assertThat(changed(headers, exchange.getIn().getHeaders())).as("headers set by " + run.method())
                    .containsExactlyInAnyOrder(declared.headers());
            assertThat(changed(properties, exchange.getProperties())).as("properties set by " + run.method())
                    .filteredOn(name -> !name.startsWith("Camel")).containsExactlyInAnyOrder(declared.properties());
            if (declared.body() != void.class) {
                assertThat(exchange.getIn().getBody()).as("body set by " + run.method()).isInstanceOf(declared.body());
            }
        }
    }

    private static Set<String> changed(Map<String, Object> before, Map<String, Object> after) {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        after.forEach((name, value) -> {
            if (!before.containsKey(name) || !Objects.equals(before.get(name), value)) {
                names.add(name);
            }
        });
        return names;
    }

    /** The methods of the service's classes annotated @RouteStep. */
    private static List<Method> annotated() throws IOException {
        Path classes = Path.of("target/classes");
        List<Method> methods = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceFirst("\\.class$", "");
                try {
                    for (Method m : Class.forName(name, false, RouteStepTest.class.getClassLoader()).getDeclaredMethods()) {
                        if (m.isAnnotationPresent(RouteStep.class)) {
                            methods.add(m);
                        }
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // a class whose optional dependencies are absent declares no route step
                }
            }
        }
        return methods;
    }
}
