package io.presencebroker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.config.Settings;
import io.presencebroker.metrics.ApiPoolName;

/**
 * The configurations of the service's two connection pools: the consumers' ({@link #primary}) and the read API's
 * ({@link #readOnly}). Who opens them decides whether they connect: the service does, {@code check-routes} binds
 * them unstarted.
 */
public final class Pools {

    public static final String PRIMARY = "presence-db";

    private Pools() {
    }

    /** The consumers' pool: {@code presence.db.*}, sized for the lifecycle and delivery consumers. */
    public static HikariConfig primary(Settings props, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(PRIMARY);
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
        config.setMaximumPoolSize(poolSize.isBlank() ? props.getInt("presence.consumers") * 2 + deliveryConsumers + 2
                : Integer.parseInt(poolSize));
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
     * The read API's own pool ({@code presence.api.db.*}): a few read-only connections with a short timeout, so that a
     * flood of requests waits for (or times out on) its own connections and never takes the consumers'.
     */
    public static HikariConfig readOnly(Settings props, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(ApiPoolName.NAME);
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        config.setJdbcUrl(props.require("presence.db.url"));
        config.setUsername(props.get("presence.db.user"));
        config.setPassword(props.get("presence.db.password"));
        int size = props.getInt("presence.api.db.pool-size");
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(1, size));
        config.setConnectionTimeout(props.getLong("presence.api.db.connection-timeout-ms"));
        config.setReadOnly(true);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // the service's own pool checks the database at start; this one connects when first needed
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("generateSimpleParameterMetadata", "true");
        config.addDataSourceProperty("useLocalSessionState", "true");
        config.addDataSourceProperty("connectTimeout", "5000");
        config.addDataSourceProperty("socketTimeout", "10000");
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
