package io.presencebroker.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The service's settings as the routes see them: the defaults declared in settings.yaml ({@link SettingDeclarations})
 * and Camel's application.properties, overridden by an environment variable of the same name (upper case, dots and
 * dashes as underscores), overridden by explicit values (tests, local mode).
 */
public final class Settings {

    private final Function<String, String> lookup;

    private Settings(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** Camel's view, inside the running application. */
    public static Settings of(PropertiesComponent props) {
        return new Settings(name -> props.resolveProperty(name).orElse(null));
    }

    /** The same resolution outside Camel, for the command-line tools (replay-dlq). */
    public static Settings load(Map<String, String> overrides) {
        Properties defaults = SettingDeclarations.load().defaults();
        try (InputStream in = Settings.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                defaults.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read application.properties", e);
        }
        Map<String, String> env = System.getenv();
        return new Settings(name -> {
            if (overrides.containsKey(name)) {
                return overrides.get(name);
            }
            // as Camel resolves them: a JVM system property (-Dname=...), then the environment variable, then the default
            String fromSystem = System.getProperty(name);
            if (fromSystem != null) {
                return fromSystem;
            }
            String fromEnv = env.get(variable(name));
            return fromEnv != null ? fromEnv : defaults.getProperty(name);
        });
    }

    /**
     * The value (stripped; empty when declared empty). Every setting is declared in settings.yaml and nowhere else: a
     * name that is not declared there is a bug, refused here.
     */
    public String get(String name) {
        String value = lookup.apply(name);
        if (value == null) {
            throw new IllegalStateException("Setting " + name + " is not declared in settings.yaml");
        }
        return value.strip();
    }

    public String require(String name) {
        String value = get(name);
        if (value.isBlank()) {
            throw new SettingException("Required setting is missing: " + variable(name)
                    + " (" + name + ")");
        }
        return value;
    }

    /** Refuses, naming every one of {@code names} that is blank (a command's own required settings). */
    public void requireAll(String... names) {
        java.util.List<String> missing = java.util.Arrays.stream(names).filter(n -> get(n).isBlank())
                .map(n -> variable(n) + " (" + n + ")").toList();
        if (!missing.isEmpty()) {
            throw new SettingException("Required settings are missing: " + String.join(", ", missing));
        }
    }

    public int getInt(String name) {
        long value = getLong(name);
        if (value != (int) value) {
            throw new SettingException(variable(name) + " (" + name + ") is too large: " + value);
        }
        return (int) value;
    }

    public long getLong(String name) {
        String value = require(name);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new SettingException(variable(name) + " (" + name + ") must be a whole number, not " + value);
        }
    }

    public boolean isTrue(String name) {
        return Boolean.parseBoolean(get(name));
    }

    /** The environment variable that sets a property: upper case, dots and dashes as underscores. */
    public static String variable(String name) {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
