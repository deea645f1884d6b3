package io.presencebroker.check;

import io.presencebroker.api.ReadApiConfiguration;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.DeliveryConfiguration;
import io.presencebroker.PresenceConfiguration;
import io.presencebroker.Settings;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * {@code check-routes DIR}: the route files of a folder, checked without connecting to AWS, the database or MQTT and
 * without any setting: against camel-yaml-dsl's schema ({@link RouteSchema}), then loaded by camel-main into the
 * service's real registry and components, with every feature switched on so that every route is checked, and
 * walked ({@link RouteModelCheck}): bean references and their methods, processors, route policies, endpoint URIs and
 * their options, property placeholders, and what the Java side needs of the routes ({@code RouteWiring}). Prints one
 * line per problem ({@code file:line: problem}) and exits 1, or exits 0. The service runs the same check on the
 * routes it fetched from S3 before any route starts.
 */
public final class RouteCheck {

    /** Registry name of the marker that tells the configurations to bind without connecting anywhere. */
    public static final String CHECK_ONLY = "presenceRouteCheckOnly";

    /** Placeholder values for the settings a production start requires, used only when they are not set. */
    private static final Map<String, String> STAND_INS = Map.ofEntries(
            Map.entry("presence.events-queue", "check-routes-events"),
            Map.entry("presence.dlq", "check-routes-dlq"),
            Map.entry("presence.outbox-queue", "check-routes-outbox"),
            Map.entry("presence.push-queue", "check-routes-push"),
            Map.entry("presence.db.url", "jdbc:mysql://check-routes.invalid:3306/presence"),
            Map.entry("presence.db.user", "check-routes"),
            Map.entry("presence.db.password", "check-routes"),
            Map.entry("presence.mqtt.broker-url", "tcp://check-routes.invalid:1883"),
            Map.entry("presence.api.token", "check-routes-token-check-routes-token"),
            Map.entry("aws.region", "us-east-1"));

    private RouteCheck() {
    }

    /** True while {@code check-routes} builds the registry: bind, but connect nowhere and change nothing. */
    public static boolean checkOnly(CamelContext context) {
        return context.getRegistry().lookupByName(CHECK_ONLY) != null;
    }

    /** A pool that would connect on first use, which never comes: what {@code check-routes} binds for a data source. */
    public static HikariDataSource unstartedPool(HikariConfig config) {
        HikariDataSource pool = new HikariDataSource();
        config.copyStateTo(pool);
        return pool;
    }

    /** The command: {@code check-routes DIR}; 0 when the routes are fine, 1 with problems, 2 for bad usage. */
    public static int main(String[] args, PrintStream out) {
        if (args.length != 1) {
            out.println("usage: presence-broker check-routes DIR   (DIR: a folder of Camel YAML route files)");
            return 2;
        }
        Configurator.setLevel("org.apache.camel", Level.WARN);
        Configurator.setLevel("io.presencebroker", Level.WARN);
        Path dir = Path.of(args[0]);
        List<Problem> problems = check(dir, Map.of());
        problems.forEach(out::println);
        boolean schemaOnly = !problems.isEmpty() && problems.stream().allMatch(p -> p.message().startsWith("schema: "));
        out.println(problems.isEmpty() ? "check-routes: " + files(dir).size() + " route files in " + dir + ": no problems"
                : "check-routes: " + problems.size() + " problem(s) in " + dir + (schemaOnly
                        ? " (beans, endpoints and placeholders are checked once the schema problems are fixed)" : ""));
        return problems.isEmpty() ? 0 : 1;
    }

    /** The problems of the route files of {@code dir}, sorted by file and line; empty when there are none. */
    public static List<Problem> check(Path dir, Map<String, String> overrides) {
        if (!Files.isDirectory(dir)) {
            return List.of(new Problem(dir.toString(), 0, "not a folder of route files"));
        }
        List<Path> files = files(dir);
        if (files.isEmpty()) {
            return List.of(new Problem(dir.toString(), 0, "no route files (*.yaml) in this folder"));
        }
        List<Problem> problems = new ArrayList<>();
        RouteSchema schema = new RouteSchema();
        // each file read once: its lines name the problems the model check finds
        Map<Path, List<String>> lines = new LinkedHashMap<>();
        for (Path file : files) {
            String text = read(file);
            lines.put(file, text.lines().toList());
            problems.addAll(schema.check(file.toString(), text));
        }
        if (problems.isEmpty()) {
            // Camel cannot load what its schema refuses: the rest is checked once those problems are fixed
            problems.addAll(load(dir, lines, overrides));
        }
        return problems.stream().sorted().distinct().toList();
    }

    private static List<Problem> load(Path dir, Map<Path, List<String>> lines, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(overrides);
        Settings configured = Settings.load(overrides);
        STAND_INS.forEach((name, value) -> {
            if (configured.get(name).isBlank()) {
                settings.put(name, value);
            }
        });
        settings.put("presence.routes-dir", dir.toString());
        // every feature on, so that every route is loaded and every bean it refers to is bound
        settings.put("presence.delivery.enabled", "true");
        settings.put("presence.mqtt.lifecycle.enabled", "true");
        settings.put("presence.api.enabled", "true");
        settings.put("camel.main.source-location-enabled", "true");

        List<Problem> problems = new ArrayList<>();
        Main main = new Main();
        main.configure().addConfiguration(PresenceConfiguration.class);
        main.configure().addConfiguration(DeliveryConfiguration.class);
        main.configure().addConfiguration(ReadApiConfiguration.class);
        main.bind(CHECK_ONLY, Boolean.TRUE);
        settings.forEach(main::addOverrideProperty);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                problems.addAll(new RouteModelCheck(configured.getCamelContext(), dir, lines).problems());
                throw new Checked(); // never start a route
            }
        });
        try {
            main.start();
        } catch (RuntimeException e) {
            if (!causedBy(e, Checked.class)) {
                problems.add(loadFailure(dir, lines.keySet(), e));
            }
        } finally {
            main.stop();
        }
        return problems;
    }

    /** A failure of camel-main before the model could be walked: its messages, with the file and line they name. */
    private static Problem loadFailure(Path dir, Iterable<Path> files, Throwable e) {
        StringBuilder message = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && message.indexOf(t.getMessage()) < 0) {
                message.append(message.length() == 0 ? "" : ": ").append(t.getMessage().strip());
            }
        }
        String text = message.toString().replaceAll("\\s+", " ");
        for (Path file : files) {
            if (text.contains(file.getFileName().toString())) {
                java.util.regex.Matcher line = java.util.regex.Pattern.compile("line[ :=]*(\\d+)").matcher(text);
                return new Problem(file.toString(), line.find() ? Integer.parseInt(line.group(1)) : 0, text);
            }
        }
        return new Problem(dir.toString(), 0, text);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static List<Path> files(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Thrown by the listener once the model is checked: the start ends there. */
    private static final class Checked extends RuntimeException {
        Checked() {
            super("route check done", null, false, false);
        }
    }
}
