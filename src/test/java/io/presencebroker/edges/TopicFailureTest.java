package io.presencebroker.edges;

import java.time.Duration;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure at the second topic of a two-topic subscribe (its chat id ends with a space, refused when the event's rows
 * are made, after the parse) dead-letters the message, not a part of it: on the real SQS and MariaDB, the dead-letter
 * queue holds the original body byte for byte (its spacing, key order and escapes as sent), with the reason, and the
 * first topic is not applied either (the event is one transaction).
 */
class TopicFailureTest {

    static final String EVENTS = "topic-failure-events";
    static final String DLQ = "topic-failure-events-dlq";

    @Test
    void theDeadLetterIsTheOriginalMessageByteForByte() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(EVENTS, DLQ);
        long t = System.currentTimeMillis() - 60_000;
        String connected = "{\"clientId\":\"eve\",\"timestamp\":" + t + ",\"eventType\":\"connected\","
                + "\"sessionIdentifier\":\"e-1\",\"principalIdentifier\":\"p\",\"versionNumber\":1}";
        // as a producer may write it: spaces, a line break, escapes, keys in another order
        String subscribe = "{ \"topics\" : [ \"app/eve/chat/1\",\n \"app/eve/chat/2 \" ],"
                + " \"eventType\":\"subscribed\", \"clientId\" : \"\\u0065ve\", \"timestamp\": " + (t + 1) + ","
                + " \"sessionIdentifier\":\"e-1\", \"principalIdentifier\":\"p\" }";
        try (TestQueues queues = new TestQueues(); PresenceBroker broker = new PresenceBroker(settings).start()) {
            queues.send(EVENTS, connected);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));
            queues.send(EVENTS, subscribe);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

            assertThat(SocketStatusRow.readAll()).extracting(SocketStatusRow::chatId).containsOnlyNulls();
            assertThat(queues.drain(DLQ)).singleElement().satisfies(d -> {
                assertThat(d.body()).isEqualTo(subscribe);
                assertThat(d.attributes().get("errorMessage")).isEqualTo("chat id ends with a space: ids compare with"
                        + " trailing spaces ignored in the store, so \"2 \" would be the chat \"2\"");
            });
        }
    }
}
