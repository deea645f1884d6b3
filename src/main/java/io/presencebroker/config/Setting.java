package io.presencebroker.config;

import java.util.List;

/**
 * One setting as {@code settings.yaml} declares it.
 *
 * @param name         the property, e.g. {@code presence.events-queue}
 * @param defaultValue its default; empty when it has none
 * @param required     a start of the service is refused without it
 * @param requiredWhen switches (boolean settings): required when any of them is true
 * @param example      a value of the right shape (check-routes' stand-in); empty for an optional setting
 * @param envOnly      read from the environment only, before Camel starts (logging)
 * @param secret       its value is a secret: no route file may name it (check-routes' policy)
 * @param meaning      one line
 * @param group        the heading it is listed under
 */
public record Setting(String name, String defaultValue, boolean required, List<String> requiredWhen, String example,
                      boolean envOnly, boolean secret, String meaning, String group) {

    /** The environment variable that sets it. */
    public String variable() {
        return Settings.variable(name);
    }

    /** Whether a start needs a value, given the other settings (the switches). */
    public boolean requiredBy(Settings settings) {
        return required || requiredWhen.stream().anyMatch(settings::isTrue);
    }

    /** "required", "required with X" or the default, as the configuration table shows it. */
    public String requirement() {
        if (required) {
            return "required";
        }
        if (!requiredWhen.isEmpty()) {
            return "required with " + String.join(" or ", requiredWhen.stream().map(Settings::variable)
                    .map(v -> "`" + v + "`").toList());
        }
        return defaultValue.isEmpty() ? "empty" : "`" + defaultValue + "`";
    }
}
