package io.presencebroker.edges;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topics of one subscribe event are bounded (AWS IoT takes at most 8 topic filters in one SUBSCRIBE): on the real
 * SQS and MariaDB, an event with more is dead-lettered with its reason and writes no row, instead of making one
 * transaction of as many rows as it lists; one with 8 is applied.
 */
class InputBoundsTest {

    static final String EVENTS = "input-bounds-events";
    static final String DLQ = "input-bounds-events-dlq";

    static List<String> topics(String user, int n) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            topics.add("app/" + user + "/chat/" + i);
        }
        return topics;
    }

    @Test
    void aSubscribeEventWithMoreTopicsThanOneSubscribeTakesIsDeadLettered() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(EVENTS, DLQ);
        long t = System.currentTimeMillis() - 60_000;
        try (TestQueues queues = new TestQueues(); PresenceBroker broker = new PresenceBroker(settings).start()) {
            String many = EventJson.subscription("subscribed", "carol", t + 1, "c-1", topics("carol", 9));
            queues.send(EVENTS, EventJson.connected("carol", t, "c-1", 1), EventJson.connected("dave", t, "d-1", 1),
                    many, EventJson.subscription("subscribed", "dave", t + 1, "d-1", topics("dave", 8)));
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

            assertThat(SocketStatusRow.readAll()).filteredOn(r -> r.clientId().equals("carol"))
                    .extracting(SocketStatusRow::chatId).containsOnlyNulls();
            assertThat(SocketStatusRow.readAll()).filteredOn(r -> r.clientId().equals("dave")).hasSize(8);
            assertThat(queues.drain(DLQ)).singleElement().satisfies(d -> {
                assertThat(d.body()).isEqualTo(many);
                assertThat(d.attributes().get("errorMessage")).isEqualTo("topics has 9 entries, more than the 8 topic"
                        + " filters AWS IoT takes in one SUBSCRIBE (PRESENCE_LIFECYCLE_MAX_TOPICS_PER_EVENT)");
            });
        }
    }
}
