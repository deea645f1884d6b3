package io.presencebroker.api;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.check.RouteCheck;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.Settings;
import io.presencebroker.metrics.ApiPoolName;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;

/**
 * What routes/presence-api.yaml needs when the read API is on: the guard (bearer token, rate limit) and a connection
 * pool of its own, {@code presenceApiDataSource} ({@code presence.api.db.pool-size} connections, read-only, a short
 * connection timeout), so that a flood of API requests waits for (or times out on) its own few connections and never
 * takes the ones the event consumers use. Refuses to start without a token.
 */
public final class ReadApi {

    private ReadApi() {
    }

    public static void install(CamelContext context, Settings props) throws Exception {
        BearerToken token = new BearerToken(props.get("presence.api.token"));
        TokenBucket rateLimit = new TokenBucket(props.getInt("presence.api.rate-limit-per-second"));
        context.getRegistry().bind("presenceApiGuard", new ApiGuard(token, rateLimit));

        HikariConfig config = poolConfig(props, context.getRegistry().findSingleByType(MeterRegistry.class));
        HikariDataSource pool = RouteCheck.checkOnly(context) ? RouteCheck.unstartedPool(config) : new HikariDataSource(config);
        context.getRegistry().bind("presenceApiDataSource", DataSource.class, pool);
        context.getRegistry().bind("presenceView", new PresenceView(pool));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                pool.close();
            }
        }, true, true);
    }

    static HikariConfig poolConfig(Settings props, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(ApiPoolName.NAME);
        if (meters != null) {
            config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        }
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
}
