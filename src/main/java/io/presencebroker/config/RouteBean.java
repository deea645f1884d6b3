package io.presencebroker.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A bean that route files may refer to by name ({@code ref:}, {@code ${bean:...}}): a step of a flow, which keeps
 * its connections and credentials to itself (no getter hands one out). check-routes' policy refuses a reference to
 * any other bean of the registry: the database pool, the TLS properties or the secret reader would give a route a
 * password (check/RouteFilePolicy).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RouteBean {
}
