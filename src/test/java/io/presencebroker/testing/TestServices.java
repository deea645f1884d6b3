package io.presencebroker.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.local.EmbeddedServices;
import io.presencebroker.store.Pools;

/** One embedded ElasticMQ and one real MariaDB for the whole test JVM, and the settings that point the service at them. */
public final class TestServices {

    private static EmbeddedServices services;

    private TestServices() {
    }

    public static synchronized EmbeddedServices get() {
        return start(false, null);
    }

    /** The servers, started the first time as {@link EmbeddedServices#start(boolean, java.net.URI)} says. */
    public static synchronized EmbeddedServices start(boolean durableDatabase, java.net.URI sqsEndpoint) {
        if (services == null) {
            services = EmbeddedServices.start(durableDatabase, sqsEndpoint);
            org.flywaydb.core.Flyway.configure()
                    .dataSource(services.jdbcUrl(), services.dbUser(), services.dbPassword())
                    .locations("classpath:db/migration").load().migrate();
            Runtime.getRuntime().addShutdownHook(new Thread(services::close, "embedded-services-stop"));
        }
        return services;
    }

    /** Settings for a service instance that consumes {@code queue} and dead-letters to {@code dlq} (both created). */
    public static Map<String, String> settings(String queue, String dlq) {
        return settings(queue, dlq, 30);
    }

    /** As {@link #settings(String, String)}, with the events queue's visibility timeout in seconds. */
    public static Map<String, String> settings(String queue, String dlq, int visibilityTimeoutSeconds) {
        EmbeddedServices s = get();
        s.createQueues(queue, dlq, visibilityTimeoutSeconds);
        Map<String, String> props = new LinkedHashMap<>(s.properties());
        props.put("presence.events-queue", queue);
        props.put("presence.dlq", dlq);
        props.put("presence.consumers", "2");
        props.put("presence.sqs.receivers", "2");
        props.put("presence.sqs.wait-time-seconds", "1");
        props.put("presence.retry.delay-ms", "50");
        props.put("presence.retry.max-delay-ms", "200");
        props.put("camel.management.enabled", "false");
        props.put("camel.main.shutdown-timeout", "10");
        return props;
    }

    public static Properties asProperties(Map<String, String> settings) {
        Properties p = new Properties();
        p.putAll(settings);
        return p;
    }

    public static Connection connection() throws SQLException {
        EmbeddedServices s = get();
        return DriverManager.getConnection(s.jdbcUrl(), s.dbUser(), s.dbPassword());
    }

    /**
     * A pool on the test database with the service's statement settings ({@link Pools#statementSettings}),
     * for tests and benchmark passes that drive the store without Camel.
     */
    public static HikariDataSource pool(int maximumPoolSize) {
        EmbeddedServices s = get();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(s.jdbcUrl());
        config.setUsername(s.dbUser());
        config.setPassword(s.dbPassword());
        config.setMaximumPoolSize(maximumPoolSize);
        Pools.statementSettings(config);
        return new HikariDataSource(config);
    }

    /** Empties the socket status (the schema stays). */
    public static void clearDatabase() throws SQLException {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM client_subscription");
            st.execute("DELETE FROM client_presence");
            st.execute("DELETE FROM client_presence_history");
            st.execute("DELETE FROM presence_announcement");
            st.execute("DELETE FROM delivery_receipt");
        }
    }
}
