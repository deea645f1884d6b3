package io.presencebroker.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the running service emits for CloudWatch: the real application against ElasticMQ and MariaDB, EMF switched on
 * with a 1 s interval; every document the logger presence.emf receives is formatted by the "emf" appender of
 * log4j2.xml (the line that goes to stdout), parsed, checked (namespace, dimension, metric names, units, numbers:
 * EmfPublisherTest.assertEmf), and its counts summed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmfMetricsTest extends ServiceTestSupport {

    static final String EVENTS = "emf-test-events";
    static final String DLQ = "emf-test-events-dlq";
    static final ObjectMapper JSON = new ObjectMapper();
    static final ConcurrentLinkedQueue<LogEvent> CAPTURED = new ConcurrentLinkedQueue<>();
    static final Appender CAPTURE = new AbstractAppender("emf-capture", null, null, true, Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            CAPTURED.add(event.toImmutable());
        }
    };

    static {
        LoggerContext logging = LoggerContext.getContext(false);
        CAPTURE.start();
        logging.getConfiguration().getLoggerConfig(EmfPublisher.LOGGER).addAppender(CAPTURE, null, null);
        logging.updateLoggers();
    }

    final TestQueues queues = new TestQueues();

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        s.put("presence.metrics.emf.enabled", "true");
        s.put("presence.metrics.emf.interval-ms", "1000");
        s.put("presence.metrics.emf.namespace", "PresenceBrokerTest");
        s.put("presence.metrics.emf.service", "emf-test");
        return s;
    }

    @AfterAll
    void detach() {
        LoggerContext logging = LoggerContext.getContext(false);
        logging.getConfiguration().getLoggerConfig(EmfPublisher.LOGGER).removeAppender(CAPTURE.getName());
        logging.updateLoggers();
        queues.close();
    }

    /** The stdout lines: each captured event through the configured "emf" appender's layout, parsed and checked. */
    List<JsonNode> documents() throws Exception {
        Layout<?> layout = LoggerContext.getContext(false).getConfiguration().getAppender("emf").getLayout();
        List<JsonNode> docs = new ArrayList<>();
        for (LogEvent event : CAPTURED) {
            String line = (String) layout.toSerializable(event);
            assertThat(line).endsWith("\n");
            assertThat(line.strip()).doesNotContain("\n").startsWith("{");
            JsonNode doc = JSON.readTree(line);
            assertValidEmf(doc);
            docs.add(doc);
        }
        return docs;
    }

    /**
     * The checks of EmfPublisherTest: namespace, dimension Service, exactly the metrics of every interval plus the lag
     * percentiles when the interval committed events (the read API is off: no API pool), their units, numbers, nothing
     * else at the top level; and a timestamp of now.
     */
    static void assertValidEmf(JsonNode doc) {
        boolean lag = doc.has("EventLagP50");
        EmfPublisherTest.assertEmf(doc, "PresenceBrokerTest", "emf-test", lag
                ? EmfPublisherTest.union(EmfPublisherTest.ALWAYS, EmfPublisherTest.LAG) : EmfPublisherTest.ALWAYS);
        long timestamp = doc.get("_aws").get("Timestamp").asLong();
        assertThat(timestamp).isBetween(System.currentTimeMillis() - 600_000, System.currentTimeMillis() + 1_000);
    }

    long sum(List<JsonNode> docs, String metric) {
        return docs.stream().filter(d -> d.has(metric)).mapToLong(d -> d.get(metric).asLong()).sum();
    }

    @Test
    void documentsCountWhatWasAppliedIgnoredAndDeadLettered() throws Exception {
        long t = System.currentTimeMillis() - 5_000;
        queues.send(EVENTS,
                EventJson.connected("emf-a", t, "a-1", 1),
                EventJson.connected("emf-b", t, "b-1", 1),
                EventJson.subscription("subscribed", "emf-a", t + 1, "a-1", List.of("app/emf-a/chat/1")),
                EventJson.connected("emf-a", t, "a-1", 1), // duplicate: stale
                EventJson.connectFailed("emf-c", t, "c-1"), // ignored
                "{not json"); // dead-lettered
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<JsonNode> docs = documents();
            assertThat(sum(docs, "EventsApplied")).as("EventsApplied " + docs).isEqualTo(3);
            assertThat(sum(docs, "EventsStale")).as("EventsStale " + docs).isEqualTo(1);
            assertThat(sum(docs, "EventsIgnored")).as("EventsIgnored " + docs).isEqualTo(1);
            assertThat(sum(docs, "EventsDeadLettered")).as("EventsDeadLettered " + docs).isEqualTo(1);
        });
        int seen = documents().size();
        // a later interval adds nothing: the figures are per interval, not cumulative
        await().atMost(Duration.ofSeconds(10)).until(() -> CAPTURED.size() > seen + 1);
        List<JsonNode> docs = documents();
        assertThat(sum(docs, "EventsApplied")).isEqualTo(3);
        assertThat(sum(docs, "EventsRetryLater")).isZero();

        // the events were stamped 5 s ago: their lag is at least that
        List<JsonNode> withLag = docs.stream().filter(d -> d.has("EventLagP99")).toList();
        assertThat(withLag).isNotEmpty();
        for (JsonNode d : withLag) {
            assertThat(d.get("EventLagP50").asLong()).isBetween(4_900L, 60_000L);
            assertThat(d.get("EventLagP99").asLong()).isGreaterThanOrEqualTo(d.get("EventLagP50").asLong());
            assertThat(d.get("EventLagMax").asLong()).isGreaterThanOrEqualTo(d.get("EventLagP99").asLong() - 100);
        }
        assertThat(docs).allSatisfy(d -> {
            assertThat(d.get("ConsumerSuspended").asInt()).isZero();
            assertThat(d.has("DbPoolActive")).isTrue();
            assertThat(d.has("DbPoolPending")).isTrue();
            assertThat(d.has("DeliveriesSocket")).isTrue();
        });
        // one document per interval: 1 s apart, give or take the scheduler
        for (int i = 1; i < docs.size(); i++) {
            long gap = docs.get(i).get("_aws").get("Timestamp").asLong() - docs.get(i - 1).get("_aws").get("Timestamp").asLong();
            assertThat(gap).isBetween(500L, 2_500L);
        }
    }
}
