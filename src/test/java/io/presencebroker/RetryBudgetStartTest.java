package io.presencebroker;

import java.util.Map;

import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A start whose worst-case retries outlast the events queue's real VisibilityTimeout (read from ElasticMQ) is refused. */
class RetryBudgetStartTest {

    @Test
    void startIsRefusedWhenTheRetriesOutlastTheVisibilityTimeout() {
        Map<String, String> settings = TestServices.settings("budget-events", "budget-events-dlq", 20);
        settings.put("presence.retry.budget-check", "fail");
        // the defaults but for the test's short retry delays (50/200): 20 + 4 x 13000 + 230 = 52,250 ms > 20 s
        PresenceBroker broker = new PresenceBroker(settings);
        try {
            assertThatThrownBy(broker::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("budget-events (20 s)")
                    .hasMessageContaining("PRESENCE_DB_SOCKET_TIMEOUT_MS 10000")
                    .hasMessageContaining("PRESENCE_RETRY_MAX_REDELIVERIES 3")
                    .hasMessageContaining("VisibilityTimeout");
        } finally {
            broker.close();
        }
    }
}
