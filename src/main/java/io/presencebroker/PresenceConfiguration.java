package io.presencebroker;

import io.presencebroker.check.RouteCheck;
import io.presencebroker.sqs.SqsBatchAcknowledger;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.sqs.SqsRequestMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.event.ChatTopic;
import io.presencebroker.event.LifecycleEventParser;
import io.presencebroker.failure.DatabaseCircuitBreaker;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.health.ConsumerHealthCheck;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.health.AuthenticationTrackingDataSource;
import io.presencebroker.health.CredentialRefresh;
import io.presencebroker.health.DatabaseCredentialsHealthCheck;
import io.presencebroker.health.DatabaseHealthCheck;
import io.presencebroker.health.SqsHealthCheck;
import io.presencebroker.metrics.EmfMetrics;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.presencebroker.failure.ConsumerCircuitBreaker;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.RetryBudget;
import io.presencebroker.store.DatabaseDriver;
import io.presencebroker.store.ReadOnlyEviction;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.store.EventRows;
import io.presencebroker.store.PollBatches;
import io.presencebroker.store.PresenceStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Binds what the YAML routes refer to by name: the SQS client (autowired into every aws2-sqs endpoint), the MySQL
 * pool {@code presenceDataSource} (schema migrated by Flyway before any route starts), and the small beans that parse,
 * match topics, build SQL parameters and count. Fails at once, naming the environment variable, when a required
 * setting is missing.
 */
public class PresenceConfiguration implements CamelConfiguration {

    /** Settings without which a production start is refused (each declared empty in application.properties). */
    static final List<String> REQUIRED = List.of("presence.events-queue", "presence.dlq", "presence.db.url",
            "presence.db.user", "presence.db.password", "aws.region");

    @Override
    public void configure(CamelContext context) {
        Settings props = Settings.of(context.getPropertiesComponent());
        checkRequired(props);
        // check-routes: the same beans, bound without connecting anywhere (no queue lookup, no pool, no migration)
        boolean checkOnly = RouteCheck.checkOnly(context);
        int consumers = props.getInt("presence.consumers");

        MeterRegistry meters = meterRegistry(context);
        SqsRequestMetrics sqsMetrics = new SqsRequestMetrics(meters);
        context.getRegistry().bind("sqsRequestMetrics", sqsMetrics);
        SqsClient sqs = SqsClients.create(props, consumers, sqsMetrics);
        context.getRegistry().bind("sqsClient", SqsClient.class, sqs);
        // refuses the start when the in-process retries could outlast the events queue's visibility timeout
        if (!checkOnly) {
            RetryBudget.check(props, sqs);
        }

        AuthenticationFailures authenticationFailures = new AuthenticationFailures();
        HikariConfig poolConfig = poolConfig(props, consumers, meters);
        HikariDataSource dataSource = checkOnly ? RouteCheck.unstartedPool(poolConfig)
                : new AuthenticationTrackingDataSource(poolConfig, authenticationFailures);
        context.getRegistry().bind("presenceDataSource", DataSource.class, dataSource);
        // presence.db.secret-arn: a refused login reads the secret again (a rotation) instead of waiting for a new task
        CredentialRefresh.install(context, props, dataSource, authenticationFailures);
        if (!checkOnly) {
            if (props.isTrue("presence.db.migrate")) {
                DatabaseMigration.migrate(dataSource);
            } else {
                DatabaseMigration.requireCurrent(dataSource); // migrations run by the `migrate` command, another credential
            }
        }

        context.getRegistry().bind("databaseHealthCheck", new DatabaseHealthCheck(dataSource));
        // liveness DOWN when the database has refused the credentials for too long (a rotated password): ECS replaces the task
        context.getRegistry().bind("databaseCredentialsHealthCheck", new DatabaseCredentialsHealthCheck(authenticationFailures,
                dataSource, Duration.ofSeconds(props.getLong("presence.db.auth-failure-liveness-seconds")),
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "DatabaseCredentialsProbe")));
        // route policy of the events route: deletes each message once committed or dead-lettered, never before
        SqsBatchAcknowledger acknowledger = new SqsBatchAcknowledger(sqs, props.get("presence.events-queue"),
                "eventsAcknowledger");
        context.getRegistry().bind("eventsAcknowledger", acknowledger);
        addService(context, acknowledger); // stopped with the context: the last deletes are sent
        context.getRegistry().bind("sqsHealthCheck", new SqsHealthCheck(sqs, props.get("presence.events-queue")));

        context.getRegistry().bind("lifecycleEventParser", new LifecycleEventParser(Clock.systemUTC(),
                props.getLong("presence.max-future-skew-ms")));
        PresenceMetrics metrics = new PresenceMetrics(meters);
        context.getRegistry().bind("presenceMetrics", metrics);
        FailurePolicy failures = new FailurePolicy(props.getInt("presence.poison.max-receives"));
        context.getRegistry().bind("failurePolicy", failures);
        // the breaker resumes the consumer once the database answers, takes writes, and runs the service's statements
        AtomicReference<PresenceStore> store = new AtomicReference<>();
        DatabaseCircuitBreaker.Policy breaker = DatabaseCircuitBreaker.create(() -> {
                    String problem = DatabaseHealthCheck.problem(dataSource);
                    return problem != null ? problem : store.get().statementProblem();
                },
                props.getInt("presence.circuit-breaker.failure-threshold"),
                props.getLong("presence.circuit-breaker.failure-window-ms"),
                props.getLong("presence.circuit-breaker.half-open-after-ms"));
        context.getRegistry().bind("databaseCircuitBreaker", breaker);
        context.getRegistry().bind("consumerHealthCheck", new ConsumerHealthCheck(breaker));
        EmfMetrics.install(context, props, meters, metrics, breaker);
        ChatTopic chatTopic = new ChatTopic(props.get("presence.chat-topic.pattern"));
        context.getRegistry().bind("chatTopic", chatTopic);
        context.getRegistry().bind("eventRows", new EventRows(chatTopic));
        store.set(new PresenceStore(dataSource, props.getLong("presence.version-reset-gap-ms"), metrics,
                new ConsumerCircuitBreaker(context, breaker), new DeadLetterSender(context), failures));
        context.getRegistry().bind("presenceStore", store.get());
        // the events route's apply-and-acknowledge step: one transaction per poll, in the consumer's thread
        context.getRegistry().bind("lifecycleBatch", new PollBatches(store.get(), acknowledger, metrics));
    }

    static void addService(CamelContext context, Object service) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static MeterRegistry meterRegistry(CamelContext context) {
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            registry = new SimpleMeterRegistry();
            context.getRegistry().bind("presenceMeterRegistry", MeterRegistry.class, registry);
        }
        return registry;
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
        // every check-then-update is one conditional statement on one row: no need for gap locks, which make
        // concurrent batches that insert new clients deadlock
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
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
        // affected rows, not found rows: an ordering condition that matched nothing reads as "stale"
        config.addDataSourceProperty("useAffectedRows", "true");
        config.addDataSourceProperty("rewriteBatchedStatements", "true");
        config.addDataSourceProperty("cachePrepStmts", "true");
        // camel-jdbc asks every statement for its parameter count: answer locally, not with a server round trip
        config.addDataSourceProperty("generateSimpleParameterMetadata", "true");
        config.addDataSourceProperty("useLocalSessionState", "true");
        config.addDataSourceProperty("connectTimeout", "5000");
        // bounds each attempt of a batch against a database that stops answering (see failure/RetryBudget)
        config.addDataSourceProperty("socketTimeout", props.require("presence.db.socket-timeout-ms"));
        // a value the schema cannot hold is an error (dead-lettered), never silently truncated
        config.setConnectionInitSql("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
                + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
        return config;
    }

}
