package io.presencebroker.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.camel.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service metrics for CloudWatch without a scraper: every interval, one CloudWatch embedded metric format document
 * (one JSON line) on the logger {@value #LOGGER}, which log4j2.xml writes to stdout as the bare message; on ECS the
 * awslogs driver ships it to CloudWatch Logs, which extracts the metrics. No network call, no agent.
 *
 * <p>Per interval: events applied, stale, ignored, dead-lettered and left for SQS to retry (deltas of
 * {@code presence_events_total}); the event lag p50, p99 and maximum of the events committed in the interval (only
 * when there were any); whether the consumer is suspended by the circuit breaker (1) or not (0); the database
 * pool's active and pending connections and its timeouts; the read API pool's active and pending connections (when
 * the API is on); deliveries per path (socket, push, fallback). Dimension {@code Service}. The last, partial interval
 * is published when the service stops.
 */
public class EmfPublisher implements Service {

    public static final String LOGGER = "presence.emf";
    private static final Logger LOG = LoggerFactory.getLogger(EmfPublisher.class);

    private final MeterRegistry meters;
    private final LagWindow lags;
    private final BooleanSupplier consumerSuspended;
    private final Consumer<String> sink;
    private final String namespace;
    private final String service;
    private final long intervalMillis;
    private final LongSupplier clock;
    private final Map<String, Double> previous = new HashMap<>();
    private ScheduledExecutorService timer;

    public EmfPublisher(MeterRegistry meters, LagWindow lags, BooleanSupplier consumerSuspended, String namespace,
                        String service, long intervalMillis) {
        this(meters, lags, consumerSuspended, LoggerFactory.getLogger(LOGGER)::info, namespace, service, intervalMillis,
                System::currentTimeMillis);
    }

    EmfPublisher(MeterRegistry meters, LagWindow lags, BooleanSupplier consumerSuspended, Consumer<String> sink,
                 String namespace, String service, long intervalMillis, LongSupplier clock) {
        if (intervalMillis < 1_000) {
            // CloudWatch's finest resolution is 1 s; more often only multiplies log lines
            throw new IllegalArgumentException("presence.metrics.emf.interval-ms must be at least 1000: " + intervalMillis);
        }
        this.meters = meters;
        this.lags = lags;
        this.consumerSuspended = consumerSuspended;
        this.sink = sink;
        this.namespace = namespace;
        this.service = service;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
        new EmfDocument(namespace, 0); // validates the namespace at start
    }

    @Override
    public synchronized void start() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "presence-emf");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::publishSafely, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        LOG.info("CloudWatch EMF metrics every {} ms, namespace {}, Service={}", intervalMillis, namespace, service);
    }

    @Override
    public synchronized void stop() {
        if (timer == null) {
            return;
        }
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer = null;
        publishSafely(); // the last, partial interval
    }

    private void publishSafely() {
        try {
            sink.accept(document().toJson());
        } catch (RuntimeException e) {
            // a metric that cannot be read must not stop the next intervals
            LOG.warn("EMF metrics not published: {}", e.toString());
        }
    }

    /** The document of the interval since the previous call (package-visible for the unit test). */
    synchronized EmfDocument document() {
        EmfDocument doc = new EmfDocument(namespace, clock.getAsLong()).dimension("Service", service);
        doc.metric("EventsApplied", delta("applied", events("applied")), "Count");
        doc.metric("EventsStale", delta("stale", events("stale")), "Count");
        doc.metric("EventsIgnored", delta("ignored", events("ignored") + events("ignored_topic")), "Count");
        doc.metric("EventsDeadLettered", delta("dead_lettered", events("dead_lettered")), "Count");
        doc.metric("EventsRetryLater", delta("retry_later", events("retry_later")), "Count");
        Histogram lag = lags.takeInterval();
        if (lag.getTotalCount() > 0) {
            doc.metric("EventLagP50", lag.getValueAtPercentile(50), "Milliseconds");
            doc.metric("EventLagP99", lag.getValueAtPercentile(99), "Milliseconds");
            doc.metric("EventLagMax", lag.getMaxValue(), "Milliseconds");
        }
        doc.metric("ConsumerSuspended", consumerSuspended.getAsBoolean() ? 1 : 0, "None");
        doc.metric("DbPoolActive", gauge("hikaricp.connections.active", "presence-db"), "Count");
        doc.metric("DbPoolPending", gauge("hikaricp.connections.pending", "presence-db"), "Count");
        doc.metric("DbPoolTimeouts", delta("db_timeouts", counter("hikaricp.connections.timeout", "presence-db")), "Count");
        if (meters.find("hikaricp.connections.active").tag("pool", ApiPoolName.NAME).gauge() != null) {
            doc.metric("ApiDbPoolActive", gauge("hikaricp.connections.active", ApiPoolName.NAME), "Count");
            doc.metric("ApiDbPoolPending", gauge("hikaricp.connections.pending", ApiPoolName.NAME), "Count");
        }
        for (String path : new String[] {"socket", "push", "fallback"}) {
            double total = meters.find("presence_deliveries").tag("path", path).counters().stream()
                    .mapToDouble(Counter::count).sum();
            doc.metric("Deliveries" + Character.toUpperCase(path.charAt(0)) + path.substring(1),
                    delta("deliveries_" + path, total), "Count");
        }
        return doc;
    }

    private double events(String outcome) {
        return meters.find("presence_events").tag("outcome", outcome).counters().stream().mapToDouble(Counter::count).sum();
    }

    private long gauge(String name, String pool) {
        Gauge g = meters.find(name).tag("pool", pool).gauge();
        return g == null ? 0 : Math.round(g.value());
    }

    private double counter(String name, String pool) {
        Counter c = meters.find(name).tag("pool", pool).counter();
        return c == null ? 0 : c.count();
    }

    private long delta(String key, double total) {
        Double before = previous.put(key, total);
        return Math.round(total - (before == null ? 0 : before));
    }
}
