package io.presencebroker.failure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.presencebroker.PresenceBroker;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import io.presencebroker.failure.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A message that keeps failing with an unexpected exception (here an operator's route edit that throws for one
 * client) is dead-lettered with its reason on its presence.poison.max-receives-th receive, while every other event is
 * applied and the consumer is never suspended.
 */
class PoisonMessageTest {

    static final String QUEUE = "poison-events";
    static final String DLQ = "poison-events-dlq";
    static final String PARSE_STEP = "            method: parse\n";
    static final String THROW_FOR_POISON = PARSE_STEP + """
                    - filter:
                        simple: "${body.clientId} == 'poison-1'"
                        steps:
                          - throwException:
                              exceptionType: java.lang.IllegalStateException
                              message: "an edit that fails for poison-1"
            """;

    @TempDir
    Path routes;

    @Test
    void aPoisonMessageIsDeadLetteredAfterMaxReceivesWhileTheOthersAreApplied() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                String yaml = Files.readString(f);
                if (f.getFileName().toString().equals("lifecycle-events.yaml")) {
                    assertThat(yaml).contains(PARSE_STEP);
                    yaml = yaml.replace(PARSE_STEP, THROW_FOR_POISON);
                }
                Files.writeString(routes.resolve(f.getFileName()), yaml);
            }
        }
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ, 1);
        settings.put("presence.routes-dir", routes.toString());
        settings.put("presence.poison.max-receives", "3");
        settings.put("presence.retry.max-redeliveries", "1");
        settings.put("presence.circuit-breaker.failure-threshold", "2");

        HistoryGenerator generator = new HistoryGenerator(20261203L);
        List<ReferenceModel.Event> history = generator.history(8, 3, "healthy-");
        ReferenceModel model = ReferenceModel.of(history);
        long t = history.get(history.size() - 1).timestamp();
        String poison = EventJson.connected("poison-1", t, "s-poison", 1);
        AtomicInteger trickle = new AtomicInteger();

        try (PresenceBroker broker = new PresenceBroker(settings).start(); TestQueues queues = new TestQueues()) {
            CircuitBreaker breaker = broker.context().getRegistry()
                    .lookupByNameAndType("lifecycleCircuitBreaker", CircuitBreaker.class);
            queues.send(QUEUE, poison);
            queues.send(QUEUE, generator.deliveries(history));
            // other traffic goes on while the poison message comes back
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .failFast("the consumer was suspended", () -> breaker.state().equals("opened"))
                    .until(() -> {
                        queues.send(QUEUE, EventJson.connected("trickle", t, "s-trickle", trickle.incrementAndGet()));
                        return queues.depth(DLQ)[0] == 1;
                    });
            queues.awaitDrained(QUEUE, Duration.ofSeconds(30));

            List<TestQueues.DeadLetter> dead = queues.drain(DLQ);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).body()).isEqualTo(poison);
            assertThat(dead.get(0).attributes())
                    .containsEntry("errorType", "IllegalStateException")
                    .containsEntry("receiveCount", "3");
            assertThat(dead.get(0).attributes().get("errorMessage"))
                    .contains("poison message").contains("an edit that fails for poison-1");
            assertThat(SocketStatusRow.readAll().stream().filter(r -> r.clientId().startsWith("healthy-")).toList())
                    .isEqualTo(model.socketStatus());
            assertThat(breaker.state()).isEqualTo("closed");
        }
    }
}
