package io.presencebroker.check;

import java.lang.invoke.MethodType;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The properties of a body's type as Camel's simple language reads them ({@code ${body.x}}: a method {@code x}, a
 * getter {@code getX} or {@code isX}; a record's components are methods), and the types they lead to. Only a final
 * type (a record, an enum, a final class) is checked: the object of any other type may be a subclass with more.
 */
final class BodyTypes {

    /** Every object has them (toString, hashCode, getClass): not worth listing. */
    private static final Set<String> OBJECT_METHODS = Arrays.stream(Object.class.getMethods()).map(Method::getName)
            .collect(Collectors.toSet());

    private BodyTypes() {
    }

    /** The class of a type, or null when it is not known (a type variable, a wildcard). */
    static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    /** A type whose properties can be refused: final, and neither a map (any key is a property) nor an array. */
    static boolean checkable(Type type) {
        Class<?> c = raw(type);
        return c != null && !c.isArray() && !c.isPrimitive() && Modifier.isFinal(c.getModifiers())
                && !Map.class.isAssignableFrom(c) && c != Object.class;
    }

    static boolean has(Class<?> type, String name) {
        return !methods(type, name).isEmpty();
    }

    /** The type of property {@code name} of {@code owner}, or null when it is not known (overloads, a type variable). */
    static Type property(Type owner, String name) {
        List<Method> methods = methods(raw(owner), name);
        Type answer = null;
        for (Method m : methods) {
            Type type = m.getGenericReturnType();
            if (answer != null && !answer.equals(type)) {
                return null;
            }
            answer = type;
        }
        if (answer instanceof Class<?> c && c.isPrimitive()) {
            return MethodType.methodType(c).wrap().returnType(); // ${body.timestamp.x}: a Long's
        }
        return answer == null || raw(answer) == null ? null : answer;
    }

    /** The type of an element ({@code [i]}, or what a split of it yields): of a collection, an iterator, an array. */
    static Type element(Type type) {
        if (type instanceof Class<?> c && c.isArray()) {
            return c.getComponentType();
        }
        if (type instanceof GenericArrayType a) {
            return a.getGenericComponentType();
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c
                && (Iterable.class.isAssignableFrom(c) || Iterator.class.isAssignableFrom(c))
                && p.getActualTypeArguments().length == 1 && (c.getName().startsWith("java.util.") || c == Iterable.class)) {
            Type arg = p.getActualTypeArguments()[0];
            return raw(arg) == null ? null : arg;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c && Map.class.isAssignableFrom(c)
                && p.getActualTypeArguments().length == 2) {
            Type value = p.getActualTypeArguments()[1];
            return raw(value) == null ? null : value;
        }
        return null;
    }

    /** The names to list for a type: its no-argument methods and getters, as properties ({@code getX}: x). */
    static SortedSet<String> names(Class<?> type) {
        SortedSet<String> names = new TreeSet<>();
        for (Method m : publicMethods(type)) {
            if (m.getParameterCount() == 0 && m.getReturnType() != void.class && !OBJECT_METHODS.contains(m.getName())) {
                names.add(property(m.getName()));
            }
        }
        return names;
    }

    private static List<Method> methods(Class<?> type, String name) {
        String capital = name.isEmpty() ? name : Character.toUpperCase(name.charAt(0)) + name.substring(1);
        List<Method> all = publicMethods(type);
        List<Method> named = all.stream().filter(m -> m.getName().equals(name)).toList();
        if (!named.isEmpty()) {
            return named;
        }
        return all.stream().filter(m -> m.getParameterCount() == 0
                && (m.getName().equals("get" + capital) || m.getName().equals("is" + capital))).toList();
    }

    private static List<Method> publicMethods(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()).toList();
    }

    private static String property(String method) {
        for (String prefix : List.of("get", "is")) {
            if (method.startsWith(prefix) && method.length() > prefix.length()
                    && Character.isUpperCase(method.charAt(prefix.length()))) {
                String rest = method.substring(prefix.length());
                return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
            }
        }
        return method;
    }

    /** For the message: a type's simple name, with its outer class's for a nested one (Delivery.Recipient). */
    static String name(Type type) {
        Class<?> c = raw(type);
        if (c == null) {
            return type.getTypeName();
        }
        return c.getEnclosingClass() != null ? name(c.getEnclosingClass()) + "." + c.getSimpleName() : c.getSimpleName();
    }
}
