package io.presencebroker.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * settings.yaml is the one declaration of the settings: the README's configuration table is generated from it, every
 * setting the code, the routes and the logging read is declared there, and every declared one is read.
 */
class SettingDeclarationsTest {

    static final Path README = Path.of("README.md");
    static final String BEGIN = "<!-- settings table: generated from src/main/resources/settings.yaml by"
            + " `presence-broker settings`; SettingDeclarationsTest fails when it drifts -->\n";
    static final String END = "<!-- end of the settings table -->";

    final SettingDeclarations declarations = SettingDeclarations.load();

    /** With -Dsettings.write-readme=true the table is written into the README instead of compared. */
    @Test
    void theReadmeTableIsGeneratedFromTheDeclarations() throws IOException {
        String readme = Files.readString(README);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertThat(begin).as("README.md has the generated settings table's markers").isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String table = declarations.markdownTable();
        if (Boolean.getBoolean("settings.write-readme")) {
            Files.writeString(README, readme.substring(0, begin + BEGIN.length()) + table + readme.substring(end));
            return;
        }
        assertThat(readme.substring(begin + BEGIN.length(), end))
                .as("README.md's settings table; regenerate: mvn test -Dtest=SettingDeclarationsTest"
                        + " -Dsettings.write-readme=true")
                .isEqualTo(table);
    }

    @Test
    void everySettingReadIsDeclaredAndEveryDeclaredOneIsRead() throws IOException {
        Pattern read = Pattern.compile("\\.(?:get|getInt|getLong|require|isTrue)\\(\"((?:presence|aws)\\.[a-z0-9.-]+)\"\\)"
                + "|\\{\\{\\??((?:presence|aws)\\.[a-z0-9.-]+)(?::[^}]*)?}}"
                + "|@PropertyInject\\(\"((?:presence|aws)\\.[a-z0-9.-]+)\"");
        Set<String> names = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> java = Files.walk(Path.of("src/main/java")); Stream<Path> routes = Files.walk(Path.of("routes"))) {
            files = Stream.concat(Stream.concat(java, routes), Stream.of(Path.of("src/main/resources/application.properties")))
                    .filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            Matcher m = read.matcher(Files.readString(file));
            while (m.find()) {
                for (int g = 1; g <= m.groupCount(); g++) {
                    if (m.group(g) != null) {
                        names.add(m.group(g));
                    }
                }
            }
        }
        // the logging's, read by log4j2 from the environment
        Matcher env = Pattern.compile("PRESENCE_LOG_[A-Z_]+").matcher(Files.readString(Path.of("src/main/resources/log4j2.xml")));
        while (env.find()) {
            String variable = env.group();
            declarations.all().stream().filter(s -> s.variable().equals(variable)).forEach(s -> names.add(s.name()));
        }
        assertThat(names).hasSizeGreaterThan(60); // the patterns find the reads
        assertThat(names).as("read but not declared in settings.yaml")
                .filteredOn(n -> declarations.find(n).isEmpty()).isEmpty();
        assertThat(declarations.all()).extracting(Setting::name).as("declared in settings.yaml but read nowhere")
                .filteredOn(n -> !names.contains(n)).isEmpty();
    }

    @Test
    void aRequiredSettingHasNoDefaultAndAnExample() {
        List<Setting> required = declarations.all().stream()
                .filter(s -> s.required() || !s.requiredWhen().isEmpty()).toList();
        assertThat(required).extracting(Setting::name).contains("presence.events-queue", "presence.db.url",
                "aws.region", "presence.outbox-queue", "presence.mqtt.broker-url", "presence.api.token");
        assertThat(required).allSatisfy(s -> {
            assertThat(s.defaultValue()).as(s.name()).isEmpty();
            assertThat(s.example()).as(s.name()).isNotBlank();
        });
        assertThat(declarations.all()).allSatisfy(s -> s.requiredWhen().forEach(
                on -> assertThat(declarations.find(on)).as(s.name() + " is required with a declared switch").isPresent()));
    }

    @Test
    void aStartIsRefusedNamingEveryMissingSettingAndWhyItIsNeeded() {
        Settings none = Settings.load(Map.of("presence.delivery.enabled", "true"));
        assertThat(declarations.missing(none)).contains("PRESENCE_EVENTS_QUEUE (presence.events-queue)",
                "AWS_REGION (aws.region)",
                "PRESENCE_OUTBOX_QUEUE (presence.outbox-queue, needed with PRESENCE_DELIVERY_ENABLED)",
                "PRESENCE_MQTT_BROKER_URL (presence.mqtt.broker-url, needed with PRESENCE_DELIVERY_ENABLED)")
                .noneMatch(m -> m.startsWith("PRESENCE_API_TOKEN"));
        assertThatThrownBy(() -> declarations.requireAll(none)).isInstanceOf(SettingException.class)
                .hasMessageStartingWith("Required settings are missing: PRESENCE_EVENTS_QUEUE");
        assertThat(declarations.standIns(none)).containsEntry("presence.api.token", "check-routes-token-check-routes-token")
                .containsEntry("presence.events-queue", "check-routes-events");
    }
}
