package io.presencebroker.routes;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a bean method that route files call ({@code bean: ref/method}) sets on the exchange besides its return value,
 * for {@code check-routes}: after such a step, {@code ${header.x}} must name one of these headers or one set before
 * it, and {@code ${body.x}} a property of the body's type. A method that takes the Exchange or Message without this
 * annotation may set anything, so nothing after it is refused for a header. Each annotated method has a test that
 * runs it and compares what it sets with what it declares (RouteStepTest).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RouteStep {

    /** Every message header the method sets; it sets no other. */
    String[] headers() default {};

    /** Every exchange property the method sets, Camel's own ({@code Camel...}) aside; it sets no other. */
    String[] properties() default {};

    /** The type the method sets the body to; {@code void.class}: it leaves the body as it is (or returns the new one). */
    Class<?> body() default void.class;
}
