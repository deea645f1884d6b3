package io.presencebroker.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.metrics.PresenceMetrics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The EMF line of one interval, from a meter registry fed as the routes feed it (pure logic, no servers): the line the
 * publisher hands to the logger presence.emf, parsed.
 */
class EmfPublisherTest {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The metrics of every interval, name to unit, in the order they are put. */
    static final Map<String, String> ALWAYS = units(
            "EventsApplied", "Count", "EventsStale", "Count", "EventsIgnored", "Count", "EventsDeadLettered", "Count",
            "EventsRetryLater", "Count", "ConsumerSuspended", "None", "DbPoolActive", "Count", "DbPoolPending", "Count",
            "DbPoolTimeouts", "Count", "DeliveriesSocket", "Count", "DeliveriesPush", "Count", "DeliveriesFallback", "Count");
    /** Only in an interval with committed events. */
    static final Map<String, String> LAG = units(
            "EventLagP50", "Milliseconds", "EventLagP99", "Milliseconds", "EventLagMax", "Milliseconds");
    /** Only when the read API's pool exists. */
    static final Map<String, String> API_POOL = units("ApiDbPoolActive", "Count", "ApiDbPoolPending", "Count");
    /** The library refuses a timestamp more than 14 days old: the fixed clock is today's. */
    static final long NOW = System.currentTimeMillis();

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final PresenceMetrics metrics = new PresenceMetrics(meters);
    final AtomicBoolean suspended = new AtomicBoolean();
    final List<String> lines = new ArrayList<>();
    final EmfPublisher publisher = new EmfPublisher(meters, metrics.lagWindow(), suspended::get, lines::add,
            "PresenceBroker", "stack-a", 60_000, () -> NOW);

    static Map<String, String> units(String... nameUnit) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameUnit.length; i += 2) {
            m.put(nameUnit[i], nameUnit[i + 1]);
        }
        return m;
    }

    @SafeVarargs
    static Map<String, String> union(Map<String, String>... maps) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map<String, String> each : maps) {
            m.putAll(each);
        }
        return m;
    }

    /**
     * One interval published: exactly one line, without a line break, a CloudWatch EMF document of namespace
     * PresenceBroker, dimension Service = stack-a, the fixed clock's timestamp and exactly the given metrics (name and
     * unit, standard resolution), each a number; the top-level members are _aws, Service and those metrics.
     */
    JsonNode publish(Map<String, String> expected) throws Exception {
        lines.clear();
        publisher.publish();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).doesNotContain("\n").doesNotContain("\r");
        JsonNode doc = JSON.readTree(lines.get(0));
        assertEmf(doc, "PresenceBroker", "stack-a", expected);
        assertThat(doc.get("_aws").get("Timestamp").asLong()).isEqualTo(NOW);
        return doc;
    }

    /** The EMF checks the unit test and the service test (EmfMetricsTest) share. */
    static void assertEmf(JsonNode doc, String namespace, String service, Map<String, String> expected) {
        JsonNode aws = doc.get("_aws");
        assertThat(aws).as(doc.toString()).isNotNull();
        assertThat(aws.get("Timestamp").isIntegralNumber()).as("Timestamp").isTrue();
        assertThat(aws.get("CloudWatchMetrics").size()).isEqualTo(1);
        JsonNode directive = aws.get("CloudWatchMetrics").get(0);
        assertThat(directive.get("Namespace").asText()).isEqualTo(namespace);
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Service\"]]");
        assertThat(doc.get("Service").isTextual()).isTrue();
        assertThat(doc.get("Service").asText()).isEqualTo(service);
        Map<String, String> declared = new LinkedHashMap<>();
        for (JsonNode metric : directive.get("Metrics")) {
            // standard resolution is the default: no StorageResolution member, as the document had before the library
            assertThat(metric.has("StorageResolution")).as(metric.toString()).isFalse();
            declared.put(metric.get("Name").asText(), metric.get("Unit").asText());
        }
        assertThat(declared).as("metric names and units").containsExactlyInAnyOrderEntriesOf(expected);
        for (String name : expected.keySet()) {
            assertThat(doc.get(name)).as(name).isNotNull();
            assertThat(doc.get(name).isNumber()).as(name).isTrue();
        }
        Set<String> members = new TreeSet<>();
        doc.fieldNames().forEachRemaining(members::add);
        Set<String> wanted = new TreeSet<>(expected.keySet());
        wanted.add("_aws");
        wanted.add("Service");
        assertThat(members).as("top-level members").isEqualTo(wanted);
    }

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

        JsonNode first = publish(union(ALWAYS, LAG));

        assertThat(first.get("EventsApplied").asLong()).isEqualTo(100);
        assertThat(first.get("EventsStale").asLong()).isEqualTo(1);
        assertThat(first.get("EventsIgnored").asLong()).isEqualTo(2);
        assertThat(first.get("EventsDeadLettered").asLong()).isEqualTo(1);
        assertThat(first.get("EventsRetryLater").asLong()).isEqualTo(1);
        assertThat(first.get("DeliveriesSocket").asLong()).isEqualTo(3);
        assertThat(first.get("DeliveriesPush").asLong()).isZero();
        assertThat(first.get("DeliveriesFallback").asLong()).isZero();
        assertThat(first.get("DbPoolActive").asLong()).isZero();
        assertThat(first.get("DbPoolTimeouts").asLong()).isZero();
        // of 101 lags 97 are about 1 s, 3 about 10 s, one 60 s: p50 about 1 s, p99 (the 100th) about 10 s, the
        // maximum about 60 s (1% precision; the upper bounds leave room for a slow machine)
        assertThat(first.get("EventLagP50").asLong()).isBetween(990L, 3_000L);
        assertThat(first.get("EventLagP99").asLong()).isBetween(9_900L, 12_000L);
        assertThat(first.get("EventLagMax").asLong()).isBetween(59_400L, 62_000L);
        assertThat(first.get("ConsumerSuspended").asInt()).isZero();

        metrics.countApplied("connected", System.currentTimeMillis() - 500, true);
        suspended.set(true);
        JsonNode second = publish(union(ALWAYS, LAG));

        assertThat(second.get("EventsApplied").asLong()).isEqualTo(1);
        assertThat(second.get("EventsStale").asLong()).isZero();
        assertThat(second.get("DeliveriesSocket").asLong()).isZero();
        assertThat(second.get("EventLagMax").asLong()).isBetween(490L, 2_500L);
        assertThat(second.get("ConsumerSuspended").asInt()).isEqualTo(1);

        // no event, no lag (a 0 would claim a perfect lag): publish checks that EventLag* are neither declared nor set
        JsonNode idle = publish(ALWAYS);
        assertThat(idle.get("EventsApplied").asLong()).isZero();
        assertThat(idle.get("ConsumerSuspended").asInt()).isEqualTo(1);
    }

    @Test
    void poolsAreTheirGaugesAndTheirTimeoutsADelta() throws Exception {
        double[] active = {4};
        Gauge.builder("hikaricp.connections.active", () -> active[0]).tag("pool", "presence-db").register(meters);
        Gauge.builder("hikaricp.connections.pending", () -> 2).tag("pool", "presence-db").register(meters);
        Counter timeouts = Counter.builder("hikaricp.connections.timeout").tag("pool", "presence-db").register(meters);
        timeouts.increment(5);
        Gauge.builder("hikaricp.connections.active", () -> 3).tag("pool", ApiPoolName.NAME).register(meters);
        Gauge.builder("hikaricp.connections.pending", () -> 1).tag("pool", ApiPoolName.NAME).register(meters);
        Counter.builder("presence_deliveries").tag("path", "push").register(meters).increment(7);
        Counter.builder("presence_deliveries").tag("path", "fallback").register(meters).increment(2);

        JsonNode first = publish(union(ALWAYS, API_POOL));
        assertThat(first.get("DbPoolActive").asLong()).isEqualTo(4);
        assertThat(first.get("DbPoolPending").asLong()).isEqualTo(2);
        assertThat(first.get("DbPoolTimeouts").asLong()).isEqualTo(5);
        assertThat(first.get("ApiDbPoolActive").asLong()).isEqualTo(3);
        assertThat(first.get("ApiDbPoolPending").asLong()).isEqualTo(1);
        assertThat(first.get("DeliveriesPush").asLong()).isEqualTo(7);
        assertThat(first.get("DeliveriesFallback").asLong()).isEqualTo(2);

        active[0] = 1;
        timeouts.increment();
        JsonNode second = publish(union(ALWAYS, API_POOL));
        assertThat(second.get("DbPoolActive").asLong()).isEqualTo(1);
        assertThat(second.get("DbPoolTimeouts").asLong()).isEqualTo(1);
        assertThat(second.get("DeliveriesPush").asLong()).isZero();
    }

    @Test
    void stopPublishesTheLastPartialInterval() throws Exception {
        metrics.countApplied("connected", System.currentTimeMillis(), true);
        publisher.start();
        publisher.stop();

        assertThat(lines).hasSize(1);
        JsonNode last = JSON.readTree(lines.get(0));
        assertEmf(last, "PresenceBroker", "stack-a", union(ALWAYS, LAG));
        assertThat(last.get("EventsApplied").asLong()).isEqualTo(1);
    }

    @Test
    void refusesAtStartAnIntervalFinerThanCloudWatchAndANamespaceOrServiceCloudWatchWouldNot() {
        assertThatThrownBy(() -> publisher(999, "PresenceBroker", "s")).hasMessageContaining("interval-ms");
        assertThatThrownBy(() -> publisher(60_000, " ", "s")).hasMessageContaining("presence.metrics.emf.namespace");
        assertThatThrownBy(() -> publisher(60_000, "Presence Broker", "s"))
                .hasMessageContaining("presence.metrics.emf.namespace").hasMessageContaining("invalid characters");
        assertThatThrownBy(() -> publisher(60_000, "N".repeat(256), "s"))
                .hasMessageContaining("presence.metrics.emf.namespace");
        publisher(60_000, "N".repeat(255), "s");
        publisher(60_000, "Presence/Broker.v2_#:-", "stack-a");
        assertThatThrownBy(() -> publisher(60_000, "PresenceBroker", " ")).hasMessageContaining("presence.metrics.emf.service");
        assertThatThrownBy(() -> publisher(60_000, "PresenceBroker", "stack-\u00e9"))
                .hasMessageContaining("presence.metrics.emf.service");
        assertThat(lines).isEmpty();
    }

    EmfPublisher publisher(long intervalMillis, String namespace, String service) {
        return new EmfPublisher(meters, metrics.lagWindow(), suspended::get, lines::add, namespace, service,
                intervalMillis, System::currentTimeMillis);
    }
}
