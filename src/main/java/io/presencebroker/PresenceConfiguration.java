package io.presencebroker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.announce.AnnouncementMessages;
import io.presencebroker.announce.PresenceAnnouncer;
import io.presencebroker.announce.PresenceChanges;
import io.presencebroker.check.RouteCheck;
import io.presencebroker.failure.CircuitBreaker;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.health.AuthenticationTrackingDataSource;
import io.presencebroker.health.ConsumerHealthCheck;
import io.presencebroker.health.CredentialRefresh;
import io.presencebroker.health.DatabaseCredentialsHealthCheck;
import io.presencebroker.health.DatabaseHealthCheck;
import io.presencebroker.health.SqsHealthCheck;
import io.presencebroker.lifecycle.ChatTopic;
import io.presencebroker.lifecycle.LifecycleApply;
import io.presencebroker.lifecycle.LifecycleEventParser;
import io.presencebroker.lifecycle.LifecycleEventsComponent;
import io.presencebroker.lifecycle.LifecycleRows;
import io.presencebroker.lifecycle.PresenceWriter;
import io.presencebroker.lifecycle.UserIds;
import io.presencebroker.lifecycle.WarmUp;
import io.presencebroker.metrics.EmfMetrics;
import io.presencebroker.metrics.Meters;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.sqs.SqsRequestMetrics;
import io.presencebroker.store.DatabaseDriver;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.store.ReadOnlyEviction;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The beans the lifecycle routes refer to by name, camel-main style: one {@code @BindToRegistry} method per bean, its
 * settings by {@code @PropertyInject} (defaults in application.properties only), the beans it needs by parameter.
 * Every bean is lazy: made when a route (or another bean) first asks for it, so the order of the methods does not
 * matter and a flow that is switched off makes nothing. {@link #configure} refuses a start without the required
 * settings, then migrates the database (or checks it is current) and checks the retry budget before any route starts.
 * Under {@code check-routes} the same beans are made without connecting anywhere (no queue lookup, pools not started,
 * no migration).
 */
public class PresenceConfiguration implements CamelConfiguration {

    /** Settings without which a production start is refused (each declared empty in application.properties). */
    static final List<String> REQUIRED = List.of("presence.events-queue", "presence.dlq", "presence.db.url",
            "presence.db.user", "presence.db.password", "aws.region");

    @Override
    public void configure(CamelContext context) {
        Settings props = Settings.of(context.getPropertiesComponent());
        checkRequired(props);
        EmfMetrics.install(context, props, Meters.of(context), bean(context, "presenceMetrics", PresenceMetrics.class),
                bean(context, "lifecycleCircuitBreaker", CircuitBreaker.class));
        if (RouteCheck.checkOnly(context)) {
            return;
        }
        DataSource dataSource = bean(context, "presenceDataSource", DataSource.class);
        if (props.isTrue("presence.db.migrate")) {
            DatabaseMigration.migrate(dataSource);
        } else {
            DatabaseMigration.requireCurrent(dataSource); // migrations run by the `migrate` command, another credential
        }
    }

    @BindToRegistry(lazy = true)
    public SqsRequestMetrics sqsRequestMetrics(CamelContext context) {
        return new SqsRequestMetrics(Meters.of(context));
    }

    /** Autowired into every aws2-sqs endpoint. */
    @BindToRegistry(lazy = true)
    public SqsClient sqsClient(CamelContext context, @PropertyInject("presence.consumers") int consumers,
                               SqsRequestMetrics metrics) {
        return SqsClients.create(Settings.of(context.getPropertiesComponent()), consumers, metrics);
    }

    /** How the database answered the service's logins (a rotated password): read by the health checks. */
    @BindToRegistry(lazy = true)
    public AuthenticationFailures authenticationFailures() {
        return new AuthenticationFailures();
    }

    /** The MySQL pool. With presence.db.secret-arn, a refused login reads the secret again (a rotation). */
    @BindToRegistry(lazy = true)
    public DataSource presenceDataSource(CamelContext context, AuthenticationFailures failures,
                                         @PropertyInject("presence.consumers") int consumers) {
        Settings props = Settings.of(context.getPropertiesComponent());
        HikariConfig config = poolConfig(props, consumers, Meters.of(context));
        if (RouteCheck.checkOnly(context)) {
            return RouteCheck.unstartedPool(config);
        }
        HikariDataSource pool = new AuthenticationTrackingDataSource(config, failures);
        closeOnStop(context, pool);
        CredentialRefresh.install(context, props, pool, failures);
        return pool;
    }

    @BindToRegistry(lazy = true)
    public DatabaseHealthCheck databaseHealthCheck(@BeanInject("presenceDataSource") DataSource dataSource) {
        return new DatabaseHealthCheck(dataSource);
    }

    /** Liveness DOWN when the database has refused the credentials for too long: ECS replaces the task. */
    @BindToRegistry(lazy = true)
    public DatabaseCredentialsHealthCheck databaseCredentialsHealthCheck(
            CamelContext context, AuthenticationFailures failures, @BeanInject("presenceDataSource") DataSource dataSource,
            @PropertyInject("presence.db.auth-failure-liveness-seconds") long windowSeconds) {
        return new DatabaseCredentialsHealthCheck(failures, dataSource, Duration.ofSeconds(windowSeconds),
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "DatabaseCredentialsProbe"));
    }

    @BindToRegistry(lazy = true)
    public SqsHealthCheck sqsHealthCheck(SqsClient sqs, @PropertyInject("presence.events-queue") String queue) {
        return new SqsHealthCheck(sqs, queue);
    }

    @BindToRegistry(lazy = true)
    public LifecycleEventParser lifecycleEventParser(@PropertyInject("presence.max-future-skew-ms") long maxFutureSkew) {
        return new LifecycleEventParser(Clock.systemUTC(), maxFutureSkew);
    }

    @BindToRegistry(lazy = true)
    public PresenceMetrics presenceMetrics(CamelContext context) {
        return new PresenceMetrics(Meters.of(context));
    }

    /** The poison rule of the routes that use routes/error-handling.yaml (delivery): their commits vouch for them. */
    @BindToRegistry(lazy = true)
    public FailurePolicy failurePolicy(@PropertyInject("presence.poison.max-receives") int maxReceives) {
        return new FailurePolicy(maxReceives);
    }

    /** The poison rule of the lifecycle flow: only lifecycle commits tell that the environment works for events. */
    @BindToRegistry(lazy = true)
    public FailurePolicy lifecycleFailures(@PropertyInject("presence.poison.max-receives") int maxReceives) {
        return new FailurePolicy(maxReceives);
    }

    /** Suspends the lifecycle consumer while the database is down; it resumes once the service's statements run. */
    @BindToRegistry(lazy = true)
    public CircuitBreaker lifecycleCircuitBreaker(
            @BeanInject("presenceDataSource") DataSource dataSource, PresenceWriter writer,
            @PropertyInject("presence.circuit-breaker.failure-threshold") int failureThreshold,
            @PropertyInject("presence.circuit-breaker.failure-window-ms") long failureWindow,
            @PropertyInject("presence.circuit-breaker.half-open-after-ms") long halfOpenAfter) {
        return new CircuitBreaker("the lifecycle events consumer", () -> {
            String problem = DatabaseHealthCheck.problem(dataSource);
            return problem != null ? problem : writer.statementProblem();
        }, failureThreshold, failureWindow, halfOpenAfter);
    }

    @BindToRegistry(lazy = true)
    public ConsumerHealthCheck consumerHealthCheck(CircuitBreaker breaker) {
        return new ConsumerHealthCheck(breaker);
    }

    @BindToRegistry(lazy = true)
    public ChatTopic chatTopic(@PropertyInject("presence.chat-topic.pattern") String pattern) {
        return new ChatTopic(pattern);
    }

    /** The branches of the lifecycle router (routes/lifecycle-events.yaml). */
    @BindToRegistry(lazy = true)
    public LifecycleRows lifecycleRows(ChatTopic chatTopic, UserIds users, PresenceMetrics metrics) {
        return new LifecycleRows(chatTopic, users, metrics);
    }

    @BindToRegistry(lazy = true)
    public UserIds userIds(@PropertyInject("presence.user-id-pattern") String pattern) {
        return new UserIds(pattern);
    }

    /** Presence changes marked by the lifecycle transactions, compared by the announcements flow (docs/announcements.md). */
    @BindToRegistry(lazy = true)
    public PresenceChanges presenceChanges(@PropertyInject("presence.announcements.enabled") boolean enabled,
                                           @PropertyInject("presence.offline-debounce-ms") long offlineDebounce) {
        return new PresenceChanges(enabled, offlineDebounce);
    }

    /** The steps of routes/presence-announcements.yaml around the send. */
    @BindToRegistry(lazy = true)
    public PresenceAnnouncer presenceAnnouncer(CamelContext context,
                                               @BeanInject("presenceDataSource") DataSource dataSource,
                                               @BeanInject("presenceChanges") PresenceChanges changes,
                                               @PropertyInject("presence.announcements.batch-size") int batchSize,
                                               @PropertyInject("presence.announcements.resolve-batch-size")
                                               int resolveBatchSize,
                                               @PropertyInject("presence.announcements.claim-seconds") int claimSeconds) {
        return new PresenceAnnouncer(dataSource, changes, batchSize, resolveBatchSize, claimSeconds,
                Meters.of(context));
    }

    /** The steps of routes/presence-announcements.yaml around the queue's SendMessageBatch. */
    @BindToRegistry(lazy = true)
    public AnnouncementMessages announcementMessages() {
        return new AnnouncementMessages();
    }

    @BindToRegistry(lazy = true)
    public PresenceWriter presenceWriter(@BeanInject("presenceDataSource") DataSource dataSource,
                                         @PropertyInject("presence.version-reset-gap-ms") long versionResetGap,
                                         PresenceChanges changes) {
        return new PresenceWriter(dataSource, versionResetGap, changes);
    }

    /** What happens to the routed events of a poll: one transaction, retries, dead letters, counts. */
    @BindToRegistry(lazy = true)
    public LifecycleApply lifecycleApply(CamelContext context, PresenceWriter writer, PresenceMetrics metrics,
                                         CircuitBreaker breaker, @BeanInject("lifecycleFailures") FailurePolicy poison,
                                         @PropertyInject("presence.retry.max-redeliveries") int maxRedeliveries,
                                         @PropertyInject("presence.retry.delay-ms") long delay,
                                         @PropertyInject("presence.retry.max-delay-ms") long maxDelay) {
        return new LifecycleApply(writer, metrics, breaker, poison, new DeadLetterSender(context),
                new LifecycleApply.Retries(maxRedeliveries, delay, maxDelay));
    }

    /** The component of the events route's consumer, {@code lifecycle-events:QUEUE}: it owns the poll's protocol. */
    @BindToRegistry(value = LifecycleEventsComponent.SCHEME, lazy = true)
    public LifecycleEventsComponent lifecycleEvents(SqsClient sqs, LifecycleApply apply, LifecycleEventParser parser,
                                                    LifecycleRows rows, PresenceWriter writer,
                                                    @PropertyInject("presence.consumers") int consumers,
                                                    @PropertyInject("presence.sqs.receivers") int receivers,
                                                    @PropertyInject("presence.sqs.max-messages-per-poll") int max,
                                                    @PropertyInject("presence.sqs.wait-time-seconds") int wait,
                                                    @PropertyInject("presence.warm-up-polls") int warmUpPolls) {
        return new LifecycleEventsComponent(sqs, new LifecycleEventsComponent.PollSettings(consumers, receivers, max, wait), apply,
                new WarmUp(parser, rows, writer, warmUpPolls));
    }

    static <T> T bean(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("No bean " + name + " (" + type.getSimpleName() + ") in the registry");
        }
        return bean;
    }

    public static void addService(CamelContext context, Object service) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Closed when the context stops, after the routes. (Not the registry's destroyMethod: on a lazy bean that nothing
     * asked for, the registry would make the bean at shutdown only to close it.)
     */
    public static void closeOnStop(CamelContext context, AutoCloseable resource) {
        addService(context, new org.apache.camel.support.service.ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                resource.close();
            }
        });
    }

    static void checkRequired(Settings props) {
        List<String> missing = new ArrayList<>();
        for (String setting : REQUIRED) {
            if (props.get(setting).isBlank()) {
                missing.add(Settings.variable(setting) + " (" + setting + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Required settings are missing: " + String.join(", ", missing)
                    + ". Set them in the environment, or run the `local` command for embedded SQS and MariaDB.");
        }
    }

    private static HikariConfig poolConfig(Settings props, int consumers, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("presence-db");
        // pool usage (active, idle, pending, timeouts) as hikaricp_* metrics
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        // mysql (Connector/J) or aws-wrapper (AWS Advanced JDBC Wrapper: Aurora failover)
        String driver = DatabaseDriver.configure(config, props);
        // a connection that answers read-only (the old primary after a failover) is evicted, never lent again
        config.setExceptionOverride(new ReadOnlyEviction(DatabaseDriver.AWS_WRAPPER.equals(driver)));
        config.setUsername(props.get("presence.db.user"));
        config.setPassword(props.get("presence.db.password"));
        // headroom for the lifecycle consumers, plus one per delivery consumer (it holds one connection at a time)
        int deliveryConsumers = props.isTrue("presence.delivery.enabled")
                ? props.getInt("presence.delivery.consumers") : 0;
        String poolSize = props.get("presence.db.pool-size");
        config.setMaximumPoolSize(poolSize.isBlank() ? consumers * 2 + deliveryConsumers + 2 : Integer.parseInt(poolSize));
        config.setConnectionTimeout(props.getLong("presence.db.connection-timeout-ms"));
        config.setInitializationFailTimeout(props.getLong("presence.db.startup-timeout-ms"));
        statementSettings(config);
        config.addDataSourceProperty("connectTimeout", "5000");
        // bounds each attempt of a commit against a database that stops answering
        config.addDataSourceProperty("socketTimeout", props.require("presence.db.socket-timeout-ms"));
        // a value the schema cannot hold is an error (dead-lettered), never silently truncated
        config.setConnectionInitSql("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
                + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
        return config;
    }

    /**
     * The pool settings that shape what the service's statements do and cost (public for the tests and benchmark
     * passes that drive the store through a pool of their own).
     */
    public static void statementSettings(HikariConfig config) {
        // every check-then-update is one conditional statement on one row: no need for gap locks, which make
        // concurrent batches that insert new clients deadlock
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // affected rows, not found rows: an ordering condition that matched nothing reads as "stale"
        config.addDataSourceProperty("useAffectedRows", "true");
        config.addDataSourceProperty("rewriteBatchedStatements", "true");
        config.addDataSourceProperty("cachePrepStmts", "true");
        // the parsed form of every statement is kept (Connector/J's defaults, 25 statements of at most 256 characters,
        // leave the batch statements out and parse them again on every execution), the lifecycle poll's texts of
        // several statements too: parsing one for its parameters took 40% of a consumer thread's CPU (bench/run --jfr)
        config.addDataSourceProperty("prepStmtCacheSize", "250");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "32768");
        config.addDataSourceProperty("cacheResultSetMetadata", "true");
        config.addDataSourceProperty("maintainTimeStats", "false");
        // a poll's transaction is one multi-statement text: begin, row changes, commit (lifecycle/PresenceWriter)
        config.addDataSourceProperty("allowMultiQueries", "true");
        // camel-jdbc asks every statement for its parameter count: answer locally, not with a server round trip
        config.addDataSourceProperty("generateSimpleParameterMetadata", "true");
        config.addDataSourceProperty("useLocalSessionState", "true");
    }
}
