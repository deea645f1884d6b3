package io.presencebroker;

import java.util.Map;

import io.presencebroker.config.SettingException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigurationTest {

    @Test
    void productionStartWithoutRequiredSettingsFailsNamingEachOne() {
        // refused before camel-main is made: nothing starts, nothing connects
        assertThatThrownBy(() -> new PresenceBroker(Map.of(
                "presence.db.url", "jdbc:mysql://127.0.0.1:1/none", "camel.management.enabled", "false")))
                .isInstanceOf(SettingException.class)
                .hasMessageContaining("PRESENCE_EVENTS_QUEUE")
                .hasMessageContaining("PRESENCE_DLQ")
                .hasMessageContaining("PRESENCE_DB_USER")
                .hasMessageContaining("PRESENCE_DB_PASSWORD")
                .hasMessageContaining("AWS_REGION")
                .hasMessageNotContaining("PRESENCE_DB_URL");
    }
}
