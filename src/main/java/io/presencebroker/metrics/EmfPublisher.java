package io.presencebroker.metrics;

import io.presencebroker.config.SettingException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.camel.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.Constants;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.model.Unit;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;
import software.amazon.cloudwatchlogs.emf.util.Validator;

/**
 * Service metrics for CloudWatch without a scraper: every interval, one CloudWatch embedded metric format document
 * (one JSON line) on the logger {@value #LOGGER}, which log4j2.xml writes to stdout as the bare message; on ECS the
 * awslogs driver ships it to CloudWatch Logs, which extracts the metrics. No network call, no agent.
 *
 * <p>The document is AWS's aws-embedded-metrics library's ({@link MetricsLogger}: its model, its validation of the
 * namespace, dimension and metric names and values, its split into documents of at most 100 metrics), flushed to
 * {@link LoggerEnvironment}, set explicitly: the library's own environment detection (which probes the EC2 metadata
 * endpoint) and its agent and console sinks are never used.
 *
 * <p>Per interval: events applied, stale, ignored, dead-lettered and left for SQS to retry (deltas of
 * {@code presence_events_total}); the event lag p50, p99 and maximum of the events committed in the interval (only
 * when there were any); whether the consumer is suspended by the circuit breaker (1) or not (0); the database
 * pool's active and pending connections and its timeouts; the read API pool's active and pending connections (when
 * the API is on); deliveries per path (socket, push, fallback); with reconciliation on, its repairs, the disagreements it could
 * only report and its failed requests. Dimension {@code Service}. The last, partial interval
 * is published when the service stops.
 */
public class EmfPublisher implements Service {

    public static final String LOGGER = "presence.emf";
    private static final Logger LOG = LoggerFactory.getLogger(EmfPublisher.class);

    private final MeterRegistry meters;
    private final LagWindow lags;
    private final BooleanSupplier consumerSuspended;
    private final String namespace;
    private final String service;
    private final long intervalMillis;
    private final LongSupplier clock;
    private final LoggerEnvironment environment;
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
            throw new SettingException("PRESENCE_METRICS_EMF_INTERVAL_MS (presence.metrics.emf.interval-ms) must be at least 1000: "
                    + intervalMillis);
        }
        this.meters = meters;
        this.lags = lags;
        this.consumerSuspended = consumerSuspended;
        this.environment = new LoggerEnvironment(sink);
        this.namespace = namespace;
        this.service = service;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
        // the library's checks at start rather than at the first interval
        try {
            Validator.validateNamespace(namespace);
            if (namespace.length() > 255) { // the library allows 256, CloudWatch 255
                throw new IllegalArgumentException("Namespace exceeds CloudWatch's maximum length of 255: " + namespace);
            }
        } catch (IllegalArgumentException e) {
            throw new SettingException("PRESENCE_METRICS_EMF_NAMESPACE (presence.metrics.emf.namespace): " + e.getMessage());
        }
        try {
            Validator.validateDimensionSet("Service", service);
        } catch (IllegalArgumentException e) {
            throw new SettingException("PRESENCE_METRICS_EMF_SERVICE (presence.metrics.emf.service): " + e.getMessage());
        }
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
            publish();
        } catch (RuntimeException e) {
            // a metric that cannot be read must not stop the next intervals
            LOG.warn("EMF metrics not published: {}", e.toString());
        }
    }

    /** Publishes the interval since the previous call (package-visible for the unit test). */
    synchronized void publish() {
        MetricsLogger emf = new MetricsLogger(environment);
        emf.setNamespace(namespace);
        emf.setDimensions(DimensionSet.of("Service", service)); // replaces the library's default dimensions
        emf.setTimestamp(Instant.ofEpochMilli(clock.getAsLong()));
        emf.putMetric("EventsApplied", delta("applied", total("presence_events", "outcome", "applied")), Unit.COUNT);
        emf.putMetric("EventsStale", delta("stale", total("presence_events", "outcome", "stale")), Unit.COUNT);
        emf.putMetric("EventsIgnored", delta("ignored", total("presence_events", "outcome", "ignored", "ignored_topic")),
                Unit.COUNT);
        emf.putMetric("EventsDeadLettered", delta("dead_lettered", total("presence_events", "outcome", "dead_lettered")),
                Unit.COUNT);
        emf.putMetric("EventsRetryLater", delta("retry_later", total("presence_events", "outcome", "retry_later")),
                Unit.COUNT);
        Histogram lag = lags.takeInterval();
        if (lag.getTotalCount() > 0) {
            emf.putMetric("EventLagP50", lag.getValueAtPercentile(50), Unit.MILLISECONDS);
            emf.putMetric("EventLagP99", lag.getValueAtPercentile(99), Unit.MILLISECONDS);
            emf.putMetric("EventLagMax", lag.getMaxValue(), Unit.MILLISECONDS);
        }
        emf.putMetric("ConsumerSuspended", consumerSuspended.getAsBoolean() ? 1 : 0, Unit.NONE);
        emf.putMetric("DbPoolActive", gauge("hikaricp.connections.active", "presence-db"), Unit.COUNT);
        emf.putMetric("DbPoolPending", gauge("hikaricp.connections.pending", "presence-db"), Unit.COUNT);
        emf.putMetric("DbPoolTimeouts", delta("db_timeouts", counter("hikaricp.connections.timeout", "presence-db")), Unit.COUNT);
        if (meters.find("hikaricp.connections.active").tag("pool", ApiPoolName.NAME).gauge() != null) {
            emf.putMetric("ApiDbPoolActive", gauge("hikaricp.connections.active", ApiPoolName.NAME), Unit.COUNT);
            emf.putMetric("ApiDbPoolPending", gauge("hikaricp.connections.pending", ApiPoolName.NAME), Unit.COUNT);
        }
        for (String path : new String[] {"socket", "push", "fallback"}) {
            emf.putMetric("Deliveries" + Character.toUpperCase(path.charAt(0)) + path.substring(1),
                    delta("deliveries_" + path, total("presence_deliveries", "path", path)), Unit.COUNT);
        }
        if (!meters.find("presence_reconcile").counters().isEmpty()) { // reconciliation on
            emf.putMetric("Repairs", delta("repairs", total("presence_reconcile", "outcome", "repaired")), Unit.COUNT);
            emf.putMetric("ReconcileDisagreements", delta("reconcile_disagreements", total("presence_reconcile",
                    "outcome", "unprovable", "newer_connection", "missed_connect")), Unit.COUNT);
            emf.putMetric("ReconcileFailures", delta("reconcile_failures", total("presence_reconcile", "outcome", "failed")),
                    Unit.COUNT);
        }
        emf.flush();
    }

    /** The sum of the counters {@code name} whose tag {@code key} has one of {@code values}. */
    private double total(String name, String key, String... values) {
        double sum = 0;
        for (String value : values) {
            sum += meters.find(name).tag(key, value).counters().stream().mapToDouble(Counter::count).sum();
        }
        return sum;
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

    /**
     * The library's environment, set instead of detected, and its sink: every serialized document (one, or one per 100
     * metrics) one message on the given line consumer, the logger {@value #LOGGER} in production. Name and type feed
     * only the library's default dimensions, which {@link #publish} replaces.
     */
    static final class LoggerEnvironment implements Environment, ISink {

        private final Consumer<String> lines;

        LoggerEnvironment(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public void accept(MetricsContext context) {
            try {
                context.serialize().forEach(lines);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean probe() {
            return true;
        }

        @Override
        public String getName() {
            return "presence-broker";
        }

        @Override
        public String getType() {
            return "presence-broker";
        }

        @Override
        public String getLogGroupName() {
            return Constants.UNKNOWN;
        }

        @Override
        public void configureContext(MetricsContext context) {
        }

        @Override
        public ISink getSink() {
            return this;
        }
    }
}
