package io.presencebroker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every presence.* setting of application.properties is documented, by property or environment variable name; and
 * application.properties is the only source of defaults: every setting the Java code reads is declared there.
 */
class DocumentedSettingsTest {

    @Test
    void everySettingIsInTheDocs() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            defaults.load(in);
        }
        StringBuilder docs = new StringBuilder();
        for (String file : List.of("README.md", "docs/delivery.md", "deploy/README.md")) {
            docs.append(Files.readString(Path.of(file)));
        }
        List<String> undocumented = defaults.stringPropertyNames().stream()
                .filter(k -> k.startsWith("presence."))
                .filter(k -> !docs.toString().contains("`" + k + "`")
                        && !docs.toString().contains(k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')))
                .sorted().toList();
        assertThat(undocumented).isEmpty();
    }

    @Test
    void everySettingTheCodeReadsIsDeclaredInApplicationProperties() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            defaults.load(in);
        }
        Pattern read = Pattern.compile("\\.(?:get|getInt|getLong|require|isTrue)\\(\"((?:presence|aws)\\.[a-z0-9.-]+)\"\\)"
                + "|\\{\\{((?:presence|aws)\\.[a-z0-9.-]+)}}|new Requirement\\(\"([a-z0-9.-]+)\""
                + "|@PropertyInject\\(\"((?:presence|aws)\\.[a-z0-9.-]+)\"");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = read.matcher(Files.readString(source));
                while (m.find()) {
                    for (int g = 1; g <= m.groupCount(); g++) {
                        if (m.group(g) != null) {
                            names.add(m.group(g));
                        }
                    }
                }
            }
        }
        assertThat(names).hasSizeGreaterThan(40); // the pattern finds the reads
        assertThat(names).filteredOn(n -> !defaults.containsKey(n)).isEmpty();
        for (String required : PresenceConfiguration.REQUIRED) {
            assertThat(defaults.getProperty(required)).as(required + ": declared empty, set by the environment").isEmpty();
        }
    }
}
