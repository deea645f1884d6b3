package io.presencebroker;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.event.ChatTopic;
import io.presencebroker.event.LifecycleEventParser;
import io.presencebroker.store.PresenceSql;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * Binds what the YAML routes refer to by name: the SQS client (autowired into every aws2-sqs endpoint), the MySQL
 * pool {@code presenceDataSource} (schema migrated by Flyway before any route starts), and the small beans that parse,
 * match topics, build SQL parameters and count. Fails at once, naming the environment variable, when a required
 * setting is missing.
 */
public class PresenceConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceConfiguration.class);

    /** Settings without which a production start is refused: property name and the variable that sets it. */
    static final String[][] REQUIRED = {
        {"presence.events-queue", "PRESENCE_EVENTS_QUEUE"},
        {"presence.dlq", "PRESENCE_DLQ"},
        {"presence.db.url", "PRESENCE_DB_URL"},
        {"presence.db.user", "PRESENCE_DB_USER"},
        {"presence.db.password", "PRESENCE_DB_PASSWORD"},
        {"aws.region", "AWS_REGION"},
    };

    @Override
    public void configure(CamelContext context) {
        PropertiesComponent props = context.getPropertiesComponent();
        checkRequired(props);
        int consumers = intProp(props, "presence.consumers", 2);

        SqsClient sqs = sqsClient(props, consumers);
        context.getRegistry().bind("sqsClient", SqsClient.class, sqs);

        HikariDataSource dataSource = dataSource(props, consumers);
        context.getRegistry().bind("presenceDataSource", DataSource.class, dataSource);
        if (Boolean.parseBoolean(prop(props, "presence.db.migrate", "true"))) {
            var result = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            LOG.info("Database schema at version {} ({} migrations applied now)", result.targetSchemaVersion,
                    result.migrationsExecuted);
        }

        context.getRegistry().bind("lifecycleEventParser", new LifecycleEventParser(Clock.systemUTC(),
                longProp(props, "presence.max-future-skew-ms", 86_400_000L)));
        context.getRegistry().bind("chatTopic", new ChatTopic(prop(props, "presence.chat-topic.pattern", null)));
        context.getRegistry().bind("presenceSql", new PresenceSql(longProp(props, "presence.version-reset-gap-ms", 1_800_000L)));
        context.getRegistry().bind("presenceMetrics", new PresenceMetrics(meterRegistry(context)));
    }

    private static MeterRegistry meterRegistry(CamelContext context) {
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            registry = new SimpleMeterRegistry();
            context.getRegistry().bind("presenceMeterRegistry", MeterRegistry.class, registry);
        }
        return registry;
    }

    static void checkRequired(PropertiesComponent props) {
        List<String> missing = new ArrayList<>();
        for (String[] setting : REQUIRED) {
            String value = prop(props, setting[0], "");
            if (value.isBlank()) {
                missing.add(setting[1] + " (" + setting[0] + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Required settings are missing: " + String.join(", ", missing)
                    + ". Set them in the environment, or run the `local` command for embedded SQS and MariaDB.");
        }
    }

    private static SqsClient sqsClient(PropertiesComponent props, int consumers) {
        SqsClientBuilder builder = SqsClient.builder()
                .region(Region.of(prop(props, "aws.region", null)))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(50, consumers * 4)));
        String endpoint = prop(props, "presence.sqs.endpoint", "");
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        String accessKey = prop(props, "presence.aws.access-key", "");
        AwsCredentialsProvider credentials = accessKey.isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        prop(props, "presence.aws.secret-key", "")));
        return builder.credentialsProvider(credentials).build();
    }

    private static HikariDataSource dataSource(PropertiesComponent props, int consumers) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("presence-db");
        config.setJdbcUrl(prop(props, "presence.db.url", null));
        config.setUsername(prop(props, "presence.db.user", null));
        config.setPassword(prop(props, "presence.db.password", ""));
        config.setMaximumPoolSize(intProp(props, "presence.db.pool-size", consumers * 2 + 2));
        config.setConnectionTimeout(longProp(props, "presence.db.connection-timeout-ms", 5_000L));
        config.setInitializationFailTimeout(longProp(props, "presence.db.startup-timeout-ms", 60_000L));
        // affected rows, not found rows: an ordering condition that matched nothing reads as "stale"
        config.addDataSourceProperty("useAffectedRows", "true");
        config.addDataSourceProperty("rewriteBatchedStatements", "true");
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("connectTimeout", "5000");
        config.addDataSourceProperty("socketTimeout", "30000");
        // a value the schema cannot hold is an error (dead-lettered), never silently truncated
        config.setConnectionInitSql("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
                + "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
        return new HikariDataSource(config);
    }

    static String prop(PropertiesComponent props, String name, String fallback) {
        return props.resolveProperty(name).map(String::strip).orElse(fallback);
    }

    private static int intProp(PropertiesComponent props, String name, int fallback) {
        String value = prop(props, name, "");
        return value.isBlank() ? fallback : Integer.parseInt(value);
    }

    private static long longProp(PropertiesComponent props, String name, long fallback) {
        String value = prop(props, name, "");
        return value.isBlank() ? fallback : Long.parseLong(value);
    }
}
