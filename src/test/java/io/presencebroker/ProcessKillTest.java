package io.presencebroker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process is killed (SIGKILL, not stopped) in the middle of a stream and started again: the final state is
 * identical to an uninterrupted run (at-least-once delivery plus idempotent, ordering-safe updates).
 */
class ProcessKillTest {

    static final String QUEUE = "kill-events";
    static final String DLQ = "kill-events-dlq";

    @Test
    void killedMidStreamAndRestartedConvergesToTheUninterruptedState() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 10);
        settings.put("presence.consumers", "4");
        settings.put("camel.management.enabled", "false");
        HistoryGenerator generator = new HistoryGenerator(4242L);
        List<ReferenceModel.Event> history = generator.history(150, 5, "kill-");
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);

        try (TestQueues queues = new TestQueues()) {
            queues.send(QUEUE, deliveries);
            try (ServiceProcess first = ServiceProcess.start(settings, List.of("-Xmx256m"), "kill-test-first")) {
                // kill while it is busy: once a fifth of the stream is gone, well before the end
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                        .until(() -> queues.depth(QUEUE)[0] < deliveries.size() * 4L / 5);
                first.kill();
                long[] left = queues.depth(QUEUE);
                System.out.printf("kill: killed with %d visible and %d in flight of %d%n", left[0], left[1], deliveries.size());
                assertThat(left[0] + left[1]).as("killed mid-stream").isGreaterThan(0);
            }
            try (ServiceProcess second = ServiceProcess.start(settings, List.of("-Xmx256m"), "kill-test-second")) {
                queues.awaitDrained(QUEUE, Duration.ofSeconds(120));
                second.terminate(30);
            }
            List<SocketStatusRow> expected = model.socketStatus();
            assertThat(SocketStatusRow.readAll()).isEqualTo(expected);
            assertThat(queues.drain(DLQ)).as("dead-lettered").isEmpty();
            System.out.printf("kill: events sent %d (%d distinct), expected rows %d matched exactly, dead-lettered 0, lost 0%n",
                    deliveries.size(), history.size(), expected.size());
        }
    }
}
