package io.presencebroker.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.metrics.PresenceMetrics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The EMF document of one interval, from a meter registry fed as the routes feed it (pure logic, no servers). */
class EmfPublisherTest {

    static final ObjectMapper JSON = new ObjectMapper();

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PresenceMetrics metrics = new PresenceMetrics(meters);
    final AtomicBoolean suspended = new AtomicBoolean();
    final List<String> lines = new ArrayList<>();
    final EmfPublisher publisher = new EmfPublisher(meters, metrics.lagWindow(), suspended::get, lines::add,
            "PresenceBroker", "stack-a", 60_000, () -> 1_700_000_000_000L);

    @Test
    void countsAreDeltasOfTheIntervalAndLagPercentilesAreOfItsEvents() throws Exception {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 96; i++) {
            metrics.countApplied("connected", now - 1_000, true);
        }
        for (int i = 0; i < 3; i++) {
            metrics.countApplied("disconnected", now - 10_000, true);
        }
        metrics.countApplied("subscribed", now - 60_000, true);
        metrics.countApplied("connected", now - 1_000, false);
        metrics.count("connect_failed", "ignored");
        metrics.count("subscribed", "ignored_topic");
        metrics.count("other", "dead_lettered");
        metrics.count("connected", "retry_later");
        Counter.builder("presence_deliveries").tag("path", "socket").register(meters).increment(3);

        JsonNode first = JSON.readTree(publisher.document().toJson());

        assertThat(first.get("_aws").get("Timestamp").asLong()).isEqualTo(1_700_000_000_000L);
        JsonNode directive = first.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(directive.get("Namespace").asText()).isEqualTo("PresenceBroker");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Service\"]]");
        assertThat(first.get("Service").asText()).isEqualTo("stack-a");
        for (JsonNode metric : directive.get("Metrics")) {
            assertThat(first.get(metric.get("Name").asText())).as(metric.toString()).isNotNull();
            assertThat(first.get(metric.get("Name").asText()).isNumber()).isTrue();
        }
        assertThat(first.get("EventsApplied").asLong()).isEqualTo(100);
        assertThat(first.get("EventsStale").asLong()).isEqualTo(1);
        assertThat(first.get("EventsIgnored").asLong()).isEqualTo(2);
        assertThat(first.get("EventsDeadLettered").asLong()).isEqualTo(1);
        assertThat(first.get("EventsRetryLater").asLong()).isEqualTo(1);
        assertThat(first.get("DeliveriesSocket").asLong()).isEqualTo(3);
        assertThat(first.get("DeliveriesPush").asLong()).isZero();
        // of 101 lags 97 are about 1 s, 3 about 10 s, one 60 s: p50 about 1 s, p99 (the 100th) about 10 s, the
        // maximum about 60 s (1% precision; the upper bounds leave room for a slow machine)
        assertThat(first.get("EventLagP50").asLong()).isBetween(990L, 3_000L);
        assertThat(first.get("EventLagP99").asLong()).isBetween(9_900L, 12_000L);
        assertThat(first.get("EventLagMax").asLong()).isBetween(59_400L, 62_000L);
        assertThat(first.get("ConsumerSuspended").asInt()).isZero();
        assertThat(first.has("ApiDbPoolActive")).isFalse();

        metrics.countApplied("connected", System.currentTimeMillis() - 500, true);
        suspended.set(true);
        JsonNode second = JSON.readTree(publisher.document().toJson());

        assertThat(second.get("EventsApplied").asLong()).isEqualTo(1);
        assertThat(second.get("EventsStale").asLong()).isZero();
        assertThat(second.get("DeliveriesSocket").asLong()).isZero();
        assertThat(second.get("EventLagMax").asLong()).isBetween(490L, 2_500L);
        assertThat(second.get("ConsumerSuspended").asInt()).isEqualTo(1);

        JsonNode idle = JSON.readTree(publisher.document().toJson());
        assertThat(idle.get("EventsApplied").asLong()).isZero();
        // no event, no lag: a 0 would claim a perfect lag
        assertThat(idle.has("EventLagP99")).isFalse();
        assertThat(idle.toString()).doesNotContain("EventLagP99");
    }

    @Test
    void stopPublishesTheLastPartialInterval() {
        metrics.countApplied("connected", System.currentTimeMillis(), true);
        publisher.start();
        publisher.stop();

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("\"EventsApplied\":1");
    }

    @Test
    void refusesAnIntervalFinerThanCloudWatchAndABlankNamespace() {
        assertThatThrownBy(() -> new EmfPublisher(meters, metrics.lagWindow(), suspended::get, lines::add,
                "PresenceBroker", "s", 999, System::currentTimeMillis)).hasMessageContaining("interval-ms");
        assertThatThrownBy(() -> new EmfPublisher(meters, metrics.lagWindow(), suspended::get, lines::add,
                " ", "s", 60_000, System::currentTimeMillis)).hasMessageContaining("namespace");
    }
}
