package io.presencebroker;

import java.time.Duration;
import java.util.List;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import io.presencebroker.testing.UserPresenceRow;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule 4 of docs/lifecycle-events.md: any permutation of a valid history, with duplicates, delivered through SQS to
 * the running routes with three concurrent consumers, leaves exactly the socket status of the in-order history; and,
 * for users with several devices (presence.user-id-pattern {@code ^([^:]+):}), exactly its user_socket_status and
 * user_presence (docs/users.md).
 */
class ConvergenceProperties {

    static final String QUEUE = "convergence-events";
    static final String DLQ = "convergence-events-dlq";

    static PresenceBroker broker;
    static TestQueues queues;

    @BeforeContainer
    static void startService() {
        var settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.consumers", "3");
        settings.put("presence.user-id-pattern", "^([^:]+):");
        broker = new PresenceBroker(settings).start();
        queues = new TestQueues();
    }

    @AfterContainer
    static void stopService() {
        if (broker != null) {
            broker.close();
        }
        if (queues != null) {
            queues.close();
        }
    }

    @Property(tries = 25)
    void anyPermutationWithDuplicatesConvergesToTheInOrderState(@ForAll long seed) throws Exception {
        TestServices.clearDatabase();
        HistoryGenerator generator = new HistoryGenerator(seed);
        List<ReferenceModel.Event> history = generator.history(4, 5, "c");
        ReferenceModel model = ReferenceModel.of(history);

        queues.send(QUEUE, generator.deliveries(history));
        queues.awaitDrained(QUEUE, Duration.ofSeconds(60));

        assertThat(SocketStatusRow.readAll()).as("seed %d", seed).isEqualTo(model.socketStatus());
        assertThat(queues.drain(DLQ)).as("nothing dead-lettered").isEmpty();
    }

    @Property(tries = 20)
    void usersWithSeveralDevicesConvergeToTheInOrderState(@ForAll long seed) throws Exception {
        TestServices.clearDatabase();
        HistoryGenerator generator = new HistoryGenerator(seed);
        List<ReferenceModel.Event> history = generator.users(4, 3, 4, "user");
        ReferenceModel model = ReferenceModel.of(history);

        queues.send(QUEUE, generator.deliveries(history));
        queues.awaitDrained(QUEUE, Duration.ofSeconds(60));

        assertThat(SocketStatusRow.readAll()).as("seed %d", seed).isEqualTo(model.socketStatus());
        assertThat(UserPresenceRow.readUserSocketStatus()).as("user_socket_status, seed %d", seed)
                .isEqualTo(model.userSocketStatus(ConvergenceProperties::userOf));
        assertThat(UserPresenceRow.readAll()).as("user_presence, seed %d", seed)
                .isEqualTo(model.userPresence(ConvergenceProperties::userOf));
        assertThat(queues.drain(DLQ)).as("nothing dead-lettered").isEmpty();
    }

    /** The reference mapping of ^([^:]+): written out by hand: the part before the first colon, if any. */
    static String userOf(String clientId) {
        int colon = clientId.indexOf(':');
        return colon > 0 ? clientId.substring(0, colon) : clientId;
    }
}
