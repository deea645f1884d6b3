package io.presencebroker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every presence.* setting of application.properties is documented, by property or environment variable name. */
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
}
