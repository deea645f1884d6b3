package io.presencebroker.api;

import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.config.SettingException;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With the read API switched on, the service does not start without a bearer token (real embedded servers). */
class ReadApiStartTest {

    @Test
    void refusesToStartTheApiWithoutAToken() {
        Map<String, String> s = TestServices.settings("api-start-events", "api-start-dlq");
        s.put("presence.api.enabled", "true");
        s.put("presence.api.port", "0");
        s.put("camel.management.enabled", "false");
        assertThatThrownBy(() -> new PresenceBroker(s)).isInstanceOf(SettingException.class)
                .hasMessageContaining("PRESENCE_API_TOKEN (presence.api.token, needed with PRESENCE_API_ENABLED)");
    }

    @Test
    void refusesAShortToken() {
        Map<String, String> s = TestServices.settings("api-start-events", "api-start-dlq");
        s.put("presence.api.enabled", "true");
        s.put("presence.api.port", "0");
        s.put("presence.api.token", "too-short");
        s.put("camel.management.enabled", "false");
        PresenceBroker broker = new PresenceBroker(s);
        try {
            assertThatThrownBy(broker::start).hasStackTraceContaining("at least 16 characters");
        } finally {
            broker.close();
        }
    }
}
