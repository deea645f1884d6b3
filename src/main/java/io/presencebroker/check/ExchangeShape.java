package io.presencebroker.check;

import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the steps before a point of a route may leave on the exchange: the headers and exchange properties a step
 * before may have set (on any path: names compare as Camel's headers do, ignoring case), or "any" when a step before
 * may have set any (a processor, an endpoint, a bean that takes the Exchange and declares nothing), and the body's
 * type when it is known. Only what is known can be refused: a header no step may have set when the headers are not
 * "any", a property of the body when its type is known.
 */
record ExchangeShape(SortedSet<String> headers, boolean anyHeader, SortedSet<String> properties, boolean anyProperty,
        Type body) {

    /** Nothing known: a route that other routes call (direct:), after a processor or an endpoint. */
    static final ExchangeShape UNKNOWN = new ExchangeShape(names(Collections.emptySet()), true,
            names(Collections.emptySet()), true, null);

    /** What a consumer starts an exchange with: these headers (or any) and no property of the routes' own. */
    static ExchangeShape start(Collection<String> headers, boolean anyHeader, Type body) {
        return new ExchangeShape(names(headers), anyHeader, names(Collections.emptySet()), false, body);
    }

    /** Camel's redelivery headers ({@code CamelRedelivered}, {@code CamelRedeliveryCounter}) come with a retry. */
    boolean hasHeader(String name) {
        return anyHeader || name.startsWith("CamelRedeliver") || headers.contains(name);
    }

    /** Camel's own properties ({@code Camel...}, set by its EIPs) are never refused. */
    boolean hasProperty(String name) {
        return anyProperty || name.startsWith("Camel") || properties.contains(name);
    }

    ExchangeShape withHeaders(Collection<String> names) {
        SortedSet<String> all = names(headers);
        all.addAll(names);
        return new ExchangeShape(all, anyHeader, properties, anyProperty, body);
    }

    ExchangeShape withProperties(Collection<String> names) {
        SortedSet<String> all = names(properties);
        all.addAll(names);
        return new ExchangeShape(headers, anyHeader, all, anyProperty, body);
    }

    ExchangeShape withBody(Type type) {
        return new ExchangeShape(headers, anyHeader, properties, anyProperty, type);
    }

    /** After a step that may set any header and property. */
    ExchangeShape anyHeaderOrProperty() {
        return new ExchangeShape(headers, true, properties, true, body);
    }

    /** Where either of two paths may have led (the branches of a choice, a filter passed or not). */
    ExchangeShape merge(ExchangeShape other) {
        SortedSet<String> h = names(headers);
        h.addAll(other.headers);
        SortedSet<String> p = names(properties);
        p.addAll(other.properties);
        return new ExchangeShape(h, anyHeader || other.anyHeader, p, anyProperty || other.anyProperty,
                Objects.equals(body, other.body) ? body : null);
    }

    private static SortedSet<String> names(Collection<String> names) {
        SortedSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return set;
    }
}
