package io.presencebroker.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The settings of the service, declared once in {@code settings.yaml} (name, default, whether and when required, an
 * example, one line of meaning), in the manner of a Kamelet's declared parameters. Everything else derives from it:
 * the defaults Camel resolves, the refusal of a start without a required setting, the stand-ins of
 * {@code check-routes}, and the README's configuration table ({@link #markdownTable}).
 */
public final class SettingDeclarations {

    private static final String RESOURCE = "/settings.yaml";
    private static volatile SettingDeclarations loaded;

    private final Map<String, Setting> settings;

    private SettingDeclarations(Map<String, Setting> settings) {
        this.settings = settings;
    }

    /** The declarations of {@code settings.yaml} on the classpath (read once). */
    public static SettingDeclarations load() {
        if (loaded == null) {
            try (InputStream in = SettingDeclarations.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is not on the classpath");
                }
                loaded = parse(new Load(LoadSettings.builder().build()).loadFromInputStream(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return loaded;
    }

    @SuppressWarnings("unchecked")
    private static SettingDeclarations parse(Object yaml) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        for (Object g : (List<Object>) ((Map<String, Object>) yaml).get("groups")) {
            Map<String, Object> group = (Map<String, Object>) g;
            for (Object s : (List<Object>) group.get("settings")) {
                Map<String, Object> m = (Map<String, Object>) s;
                String name = text(m, "name");
                Setting setting = new Setting(name, text(m, "default"), Boolean.TRUE.equals(m.get("required")),
                        m.containsKey("required-when") ? List.copyOf((List<String>) m.get("required-when")) : List.of(),
                        text(m, "example"), Boolean.TRUE.equals(m.get("env-only")), Boolean.TRUE.equals(m.get("secret")),
                        text(m, "meaning"),
                        text(group, "group"));
                if (setting.meaning().isBlank()) {
                    throw new IllegalStateException(RESOURCE + ": " + name + " has no meaning");
                }
                if ((setting.required() || !setting.requiredWhen().isEmpty()) && setting.example().isBlank()) {
                    throw new IllegalStateException(RESOURCE + ": required " + name + " has no example");
                }
                if (settings.put(name, setting) != null) {
                    throw new IllegalStateException(RESOURCE + ": " + name + " is declared twice");
                }
            }
        }
        return new SettingDeclarations(settings);
    }

    private static String text(Map<String, Object> m, String key) {
        Object value = m.get(key);
        return value == null ? "" : value.toString();
    }

    public List<Setting> all() {
        return List.copyOf(settings.values());
    }

    public Optional<Setting> find(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** The defaults Camel and {@link Settings#load} resolve (every declared setting, empty when it has none). */
    public Properties defaults() {
        Properties defaults = new Properties();
        settings.values().stream().filter(s -> !s.envOnly()).forEach(s -> defaults.setProperty(s.name(), s.defaultValue()));
        return defaults;
    }

    /** The required settings that have no value, given the switches: one "VARIABLE (name[, with SWITCH])" each. */
    public List<String> missing(Settings values) {
        List<String> missing = new ArrayList<>();
        for (Setting s : settings.values()) {
            if (s.requiredBy(values) && values.get(s.name()).isBlank()) {
                List<String> on = s.requiredWhen().stream().filter(values::isTrue).map(Settings::variable).toList();
                missing.add(s.variable() + " (" + s.name() + (on.isEmpty() ? "" : ", needed with " + String.join(", ", on))
                        + ")");
            }
        }
        return missing;
    }

    /** Refuses a start without the required settings: one message naming every missing one. */
    public void requireAll(Settings values) {
        List<String> missing = missing(values);
        if (!missing.isEmpty()) {
            throw new SettingException("Required settings are missing: " + String.join(", ", missing)
                    + ". Set them in the environment, or run the `local` command for embedded SQS and MariaDB.");
        }
    }

    /** check-routes: the example of every required (or conditionally required) setting that is not set. */
    public Map<String, String> standIns(Settings values) {
        Map<String, String> standIns = new LinkedHashMap<>();
        for (Setting s : settings.values()) {
            if ((s.required() || !s.requiredWhen().isEmpty()) && values.get(s.name()).isBlank()) {
                standIns.put(s.name(), s.example());
            }
        }
        return standIns;
    }

    /** The README's configuration table: one row per setting, grouped. */
    public String markdownTable() {
        StringBuilder table = new StringBuilder();
        String group = null;
        for (Setting s : settings.values()) {
            if (!s.group().equals(group)) {
                group = s.group();
                table.append(table.isEmpty() ? "" : "\n").append("**").append(group).append("**\n\n")
                        .append("| environment variable | default | meaning |\n|---|---|---|\n");
            }
            table.append("| `").append(s.variable()).append("` | ").append(s.requirement().replace("|", "\\|"))
                    .append(" | ").append(s.meaning().replace("|", "\\|")).append(" |\n");
        }
        return table.toString();
    }
}
