package io.presencebroker.edges;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static io.presencebroker.testing.SocketStatusRow.subscribed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identities that collide, on the real MariaDB and SQS. The store's ids are utf8mb4_bin, a PAD SPACE collation on MySQL
 * 8 and MariaDB: {@code alice} and {@code alice } are one key. So an id that ends with a space is refused at parse
 * time, with its reason, before it can reach a row (docs/lifecycle-consumer.md, "Limits").
 */
class IdentityEdgesTest {

    static final String EVENTS = "identity-edges-events";
    static final String DLQ = "identity-edges-events-dlq";

    /** A newer connection of {@code alice } (a trailing space) must not take over alice's presence and chats. */
    @Test
    void aClientIdWithATrailingSpaceDoesNotTakeOverTheClientWithout() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(EVENTS, DLQ);
        long t = System.currentTimeMillis() - 60_000;
        try (TestQueues queues = new TestQueues(); PresenceBroker broker = new PresenceBroker(settings).start()) {
            queues.send(EVENTS, EventJson.connected("alice", t, "a-1", 1),
                    EventJson.subscription("subscribed", "alice", t + 1, "a-1", List.of("app/alice/chat/5")));
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));
            assertThat(SocketStatusRow.readAll()).containsExactly(subscribed("alice", "5", "app/alice/chat/5"));

            String impostor = EventJson.connected("alice ", t + 10, "x-1", 2);
            String subscribe = EventJson.subscription("subscribed", "alice ", t + 11, "x-1", List.of("app/alice /chat/5"));
            queues.send(EVENTS, impostor, subscribe);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

            assertThat(SocketStatusRow.readAll()).as("alice's rows").containsExactly(subscribed("alice", "5", "app/alice/chat/5"));
            List<TestQueues.DeadLetter> dead = queues.drain(DLQ);
            assertThat(dead).extracting(TestQueues.DeadLetter::body).containsExactlyInAnyOrder(impostor, subscribe);
            assertThat(dead).allSatisfy(d -> assertThat(d.attributes().get("errorMessage"))
                    .isEqualTo("clientId ends with a space: ids compare with trailing spaces ignored in the store, so"
                            + " \"alice \" would be the client \"alice\""));
        }
    }
}
