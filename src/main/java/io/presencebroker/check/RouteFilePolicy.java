package io.presencebroker.check;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.presencebroker.config.Setting;
import io.presencebroker.config.SettingDeclarations;
import io.presencebroker.config.Settings;
import io.presencebroker.config.RouteBean;

/**
 * What a route file may do, beyond being well formed: the policy {@code check-routes} enforces, and with it the
 * service on the routes it fetches from S3 before any route starts (docs/routes.md#what-a-route-file-may-do).
 * <ul>
 * <li>Only the components of {@link #COMPONENTS}: what the shipped flows use. camel-jdbc (SQL of the route's own),
 *     {@code bean:}/{@code class:} endpoints, {@code exec} and the like are refused, and so are the steps that pick
 *     their endpoints per message ({@code recipientList}, {@code routingSlip}, {@code dynamicRouter}, {@code enrich},
 *     {@code pollEnrich}) and a {@code toD} whose component is not written out.</li>
 * <li>No secret: no line names a setting declared {@code secret} in settings.yaml (by its property or its
 *     environment variable, in any form: {@code {{...}}}, {@code ${properties:...}}, {@code ${env:...}}, inside a
 *     string), nor reads a property or variable whose name says it is a secret (password, token, secret, private
 *     key, credential, access key). A route that may read a secret may log it or send it anywhere; the logins the
 *     routes need are the components' and beans' own, set in Java.</li>
 * <li>Every route served by the read API's HTTP server ({@code platform-http}) starts with the guard
 *     ({@code process: ref: presenceApiGuard}: the bearer token and the rate limit) before anything else.</li>
 * <li>A {@code bean} step's {@code beanType} is one of the service's own classes ({@code io.presencebroker.*}).</li>
 * </ul>
 * It is a floor, not a sandbox: simple expressions can still call methods of the exchange's objects. What vouches for
 * shipped routes is the pinned manifest and the bucket only the deployer may write (deploy/README.md); this check
 * refuses the known ways to leak a secret or bypass the guard, by mistake or otherwise.
 */
final class RouteFilePolicy {

    /** The components a route may use: those of the shipped flows, and {@code log}. */
    static final Set<String> COMPONENTS = new TreeSet<>(List.of("aws2-sqs", "direct", "lifecycle-events", "log",
            "outbox", "paho-mqtt5", "platform-http", "scheduler", "timer"));
    /** The read API's HTTP server: every route it serves starts with {@link #GUARD}. */
    static final String API_COMPONENT = "platform-http";
    static final String GUARD = "presenceApiGuard";
    static final String SERVICE_PACKAGE = "io.presencebroker.";

    /** YAML's escapes that spell a character by its code or name, and a backslash that continues a line. */
    private static final Pattern ESCAPE = Pattern.compile("\\\\[xuUNLP_]|\\\\\\s*$");
    /** A bean the route reaches by name: a step's {@code ref:}, simple's {@code ${bean:...}} or {@code ${ref:...}}. */
    static final Pattern BEAN_REFERENCE = Pattern.compile("(?:\\bref:\\s*[\"']?|\\$\\{(?:bean|ref):)([A-Za-z_][A-Za-z0-9_-]*)");
    /** The Camel context (and so the registry, every bean, every property) reached from an expression. */
    static final Pattern CONTEXT = Pattern.compile("\\$\\{(?:camelContext|exchange\\.context|exchange\\.getContext)");

    /** A name that says its value is a secret. */
    private static final Pattern SECRET_WORD = Pattern.compile(
            "password|passwd|secret|token|private[._-]?key|credential|access[._-]?key", Pattern.CASE_INSENSITIVE);
    /** {@code {{name}}}, {@code {{?name}}}, {@code {{env:NAME}}}; {@code ${properties:name}}, {@code ${env:NAME}}, {@code ${sysenv.NAME}}... */
    private static final Pattern REFERENCE = Pattern.compile(
            "\\{\\{\\??(?:(?:env|sys|sysenv):)?([^}:]+)[^}]*}}"
                    + "|\\$\\{(?:properties|propertiesExist|env|sysenv|sys)[:.]([^}:]+)[^}]*}");

    private final Set<String> secrets = new TreeSet<>();

    RouteFilePolicy(Collection<Setting> settings) {
        settings.stream().filter(Setting::secret).map(Setting::name).forEach(secrets::add);
    }

    static RouteFilePolicy declared() {
        return new RouteFilePolicy(SettingDeclarations.load().all());
    }

    /**
     * The secrets a file's lines name or read, with their line numbers. Every line counts, comment-like ones too (in a
     * block scalar a line that starts with {@code #} is text), and so does any YAML escape or line continuation, which
     * could spell a name this check would not see.
     */
    List<Problem> secrets(String file, List<String> lines) {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (ESCAPE.matcher(line).find()) {
                problems.add(new Problem(file, i + 1, "policy: a YAML escape (\\x, \\u, \\U, \\N, \\L, \\P, \\_) or"
                        + " a line continuation is not allowed in a route file: it could spell a name the secret check"
                        + " does not read"));
                continue;
            }
            String normal = normal(line);
            String named = secrets.stream().filter(s -> normal.contains(normal(s))).findFirst().orElse(null);
            if (named != null) {
                problems.add(new Problem(file, i + 1, "policy: names the secret setting " + named + " ("
                        + Settings.variable(named) + "): a route may not read a secret (it"
                        + " could log it or send it anywhere); the logins the routes need are set in Java"));
                continue;
            }
            Matcher m = REFERENCE.matcher(line);
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                if (SECRET_WORD.matcher(name).find()) {
                    problems.add(new Problem(file, i + 1, "policy: reads " + m.group().strip() + ", a secret by its"
                            + " name: a route may not read a secret (it could log it or send it anywhere)"));
                    break;
                }
            }
        }
        return problems;
    }

    /** The problem of an endpoint's component, or null when the policy allows it. */
    static String component(String resolvedUri) {
        int colon = resolvedUri.indexOf(':');
        String scheme = colon < 0 ? resolvedUri : resolvedUri.substring(0, colon);
        if (scheme.contains("${") || scheme.contains("{{")) {
            return "policy: endpoint " + resolvedUri + ": its component is chosen per message; write the component"
                    + " out (allowed: " + String.join(", ", COMPONENTS) + ")";
        }
        if (!COMPONENTS.contains(scheme)) {
            return "policy: component " + scheme + " is not allowed in a route (allowed: " + String.join(", ", COMPONENTS)
                    + "; docs/routes.md#what-a-route-file-may-do)";
        }
        return null;
    }

    /** The problem of a step that chooses its endpoints per message, or null for any other step. */
    static String dynamicEndpoints(String stepName) {
        return Set.of("recipientList", "routingSlip", "dynamicRouter", "enrich", "pollEnrich").contains(stepName)
                ? "policy: " + stepName + " chooses its endpoints per message, which the component allow-list cannot"
                + " check; use to (or toD with the component written out)"
                : null;
    }

    /**
     * The problem of a bean a route refers to by name that is not made to be one ({@link RouteBean}: a step of a flow,
     * which keeps its connections and credentials to itself), or null. The pool, the TLS properties, the secret's
     * reader are beans too: through one of them a route could read a password.
     */
    static String referencedBean(String name, Object bean) {
        return bean == null || bean.getClass().isAnnotationPresent(RouteBean.class) ? null
                : "policy: bean " + name + " (" + bean.getClass().getName() + ") is not one a route may refer to: only"
                + " the flows' steps (@RouteBean), which keep their connections and secrets to themselves";
    }

    /** The problem of a {@code beanType} outside the service's own classes, or null. */
    static String beanType(String type) {
        return type.startsWith(SERVICE_PACKAGE) ? null : "policy: bean type " + type + ": only the service's own"
                + " classes (" + SERVICE_PACKAGE + "*) may be made by a route; refer to a bean of the registry instead";
    }

    private static String normal(String text) {
        return text.toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
    }
}
