package io.presencebroker.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.presencebroker.PresenceBroker;
import io.presencebroker.delivery.OutboxJson;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison rule is kept per flow: a lifecycle route edit that breaks every event, while deliveries keep committing,
 * must not have the lifecycle events dead-lettered as poison messages (the deliveries' commits say nothing about the
 * lifecycle flow's environment). The events keep coming back instead, for the operator to fix the edit.
 */
class PoisonRulePerFlowTest {

    static final String EVENTS = "poison-flows-events";
    static final String OUTBOX = "poison-flows-outbox";
    static final String PUSH = "poison-flows-push";
    static final String PARSE_STEP = "            method: parse\n";
    static final String BREAK_EVERY_EVENT = PARSE_STEP + """
                    - throwException:
                        exceptionType: java.lang.IllegalStateException
                        message: "an edit that breaks every event"
            """;

    @TempDir
    Path routes;

    @Test
    void deliveriesThatCommitDoNotMakeABrokenLifecycleEditsEventsPoison() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                String yaml = Files.readString(f);
                if (f.getFileName().toString().equals("lifecycle-events.yaml")) {
                    assertThat(yaml).contains(PARSE_STEP);
                    yaml = yaml.replace(PARSE_STEP, BREAK_EVERY_EVENT);
                }
                Files.writeString(routes.resolve(f.getFileName()), yaml);
            }
        }
        TestServices.clearDatabase();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            // the events come back every second; the second receive would already be poison if deliveries vouched
            Map<String, String> settings = TestServices.settings(EVENTS, EVENTS + "-dlq", 1);
            TestServices.get().createQueues(OUTBOX, OUTBOX + "-dlq", 5);
            TestServices.get().createQueues(PUSH, PUSH + "-dlq");
            settings.put("presence.routes-dir", routes.toString());
            settings.put("presence.poison.max-receives", "2");
            settings.put("presence.delivery.enabled", "true");
            settings.put("presence.outbox-queue", OUTBOX);
            settings.put("presence.push-queue", PUSH);
            settings.put("presence.mqtt.broker-url", mqtt.brokerUrl());
            AtomicInteger sent = new AtomicInteger();
            try (PresenceBroker broker = new PresenceBroker(settings).start()) {
                queues.send(EVENTS, EventJson.connected("broken-1", System.currentTimeMillis(), "s", 1));
                // for 8 s (eight receives of the event) deliveries keep committing: each outbox message becomes a push
                Awaitility.await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(250)).until(() -> {
                            int n = sent.incrementAndGet();
                            queues.send(OUTBOX, OutboxJson.message("m-" + n, "c1", "sam", List.of("nobody-" + n), "hi"));
                            return queues.depth(EVENTS + "-dlq")[0] == 0;
                        });
                assertThat(queues.drain(PUSH)).as("deliveries committed meanwhile").isNotEmpty();
                assertThat(queues.depth(EVENTS)[0] + queues.depth(EVENTS)[1]).as("the event is still there").isEqualTo(1);
            }
        }
    }
}
