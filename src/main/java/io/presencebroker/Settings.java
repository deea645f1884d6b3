package io.presencebroker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The service's settings as the routes see them: application.properties, overridden by an environment variable of
 * the same name (upper case, dots and dashes as underscores), overridden by explicit values (tests, local mode).
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
        Properties defaults = new Properties();
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
            String fromEnv = env.get(variable(name));
            return fromEnv != null ? fromEnv : defaults.getProperty(name);
        });
    }

    /**
     * The value (stripped; empty when declared empty). Every setting has its default, or its empty declaration, in
     * application.properties and nowhere else: a name that is not declared there is a bug, refused here.
     */
    public String get(String name) {
        String value = lookup.apply(name);
        if (value == null) {
            throw new IllegalStateException("Setting " + name + " is not declared in application.properties");
        }
        return value.strip();
    }

    public String require(String name) {
        String value = get(name);
        if (value.isBlank()) {
            throw new IllegalStateException("Required setting is missing: " + variable(name) + " (" + name + ")");
        }
        return value;
    }

    public int getInt(String name) {
        long value = getLong(name);
        if (value != (int) value) {
            throw new IllegalStateException(variable(name) + " (" + name + ") is too large: " + value);
        }
        return (int) value;
    }

    public long getLong(String name) {
        String value = require(name);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(variable(name) + " (" + name + ") must be a whole number, not " + value);
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
