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
            String fromEnv = env.get(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            return fromEnv != null ? fromEnv : defaults.getProperty(name);
        });
    }

    public String get(String name, String fallback) {
        String value = lookup.apply(name);
        return value == null ? fallback : value.strip();
    }

    public String require(String name) {
        String value = get(name, "");
        if (value.isBlank()) {
            throw new IllegalStateException("Required setting is missing: "
                    + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " (" + name + ")");
        }
        return value;
    }

    public int getInt(String name, int fallback) {
        String value = get(name, "");
        return value.isBlank() ? fallback : Integer.parseInt(value);
    }

    public long getLong(String name, long fallback) {
        String value = get(name, "");
        return value.isBlank() ? fallback : Long.parseLong(value);
    }
}
