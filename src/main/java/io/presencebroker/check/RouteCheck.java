package io.presencebroker.check;

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

import io.presencebroker.config.SettingDeclarations;
import io.presencebroker.config.Settings;
import org.apache.camel.CamelConfiguration;
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
 * their options, property placeholders, and what the Java side needs of the routes ({@code RouteWiring}); and
 * against the policy of what a route may do ({@link RouteFilePolicy}: allowed components, no secret, the API guard). Prints one
 * line per problem ({@code file:line: problem}) and exits 1, or exits 0. The service runs the same check on the
 * routes it fetched from S3 before any route starts.
 */
public final class RouteCheck {

    private RouteCheck() {
    }

    /** The command {@code check-routes DIR}: prints the problems; 0 when the routes are fine, 1 with problems. */
    public static int run(Path dir, List<Class<? extends CamelConfiguration>> configurations, PrintStream out) {
        Configurator.setLevel("org.apache.camel", Level.WARN);
        Configurator.setLevel("io.presencebroker", Level.WARN);
        List<Problem> problems = check(dir, Map.of(), configurations);
        problems.forEach(out::println);
        boolean schemaOnly = !problems.isEmpty() && problems.stream().allMatch(p -> p.message().startsWith("schema: "));
        out.println(problems.isEmpty() ? "check-routes: " + files(dir).size() + " route files in " + dir + ": no problems"
                : "check-routes: " + problems.size() + " problem(s) in " + dir + (schemaOnly
                        ? " (beans, endpoints and placeholders are checked once the schema problems are fixed)" : ""));
        return problems.isEmpty() ? 0 : 1;
    }

    /**
     * The problems of the route files of {@code dir}, sorted by file and line; empty when there are none.
     * {@code configurations} are the service's (without its database configuration: the check binds
     * {@link StandInDatabases} instead).
     */
    public static List<Problem> check(Path dir, Map<String, String> overrides,
                                      List<Class<? extends CamelConfiguration>> configurations) {
        if (!Files.isDirectory(dir)) {
            return List.of(new Problem(dir.toString(), 0, "not a folder of route files"));
        }
        List<Path> files = files(dir);
        if (files.isEmpty()) {
            return List.of(new Problem(dir.toString(), 0, "no route files (*.yaml) in this folder"));
        }
        List<Problem> problems = new ArrayList<>();
        RouteSchema schema = new RouteSchema();
        RouteFilePolicy policy = RouteFilePolicy.declared();
        // each file read once: its lines name the problems the model check finds
        Map<Path, List<String>> lines = new LinkedHashMap<>();
        for (Path file : files) {
            String text = read(file);
            lines.put(file, text.lines().toList());
            problems.addAll(schema.check(file.toString(), text));
            problems.addAll(policy.secrets(file.toString(), lines.get(file)));
        }
        if (problems.stream().allMatch(p -> p.message().startsWith("policy: "))) {
            // Camel cannot load what its schema refuses: the rest is checked once those problems are fixed
            problems.addAll(load(dir, lines, overrides, configurations));
        }
        return problems.stream().sorted().distinct().toList();
    }

    private static List<Problem> load(Path dir, Map<Path, List<String>> lines, Map<String, String> overrides,
                                      List<Class<? extends CamelConfiguration>> configurations) {
        Map<String, String> settings = new HashMap<>(overrides);
        // the declared example of every required setting that is not set: nothing connects anywhere
        settings.putAll(SettingDeclarations.load().standIns(Settings.load(overrides)));
        settings.put("presence.routes-dir", dir.toString());
        // every feature on, so that every route is loaded and every bean it refers to is bound
        settings.put("presence.delivery.enabled", "true");
        settings.put("presence.delivery.receipts.enabled", "true");
        settings.put("presence.mqtt.lifecycle.enabled", "true");
        settings.put("presence.announcements.enabled", "true");
        settings.put("presence.announcements.mqtt.enabled", "true");
        settings.put("presence.api.enabled", "true");
        settings.put("camel.main.source-location-enabled", "true");

        List<Problem> problems = new ArrayList<>();
        Main main = new Main();
        configurations.forEach(main.configure()::addConfiguration);
        main.configure().addConfiguration(StandInDatabases.class);
        main.setInitialProperties(SettingDeclarations.load().defaults());
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
