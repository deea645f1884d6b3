package io.presencebroker.api;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.check.RouteCheck;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.PresenceConfiguration;
import io.presencebroker.Settings;
import io.presencebroker.metrics.ApiPoolName;
import io.presencebroker.delivery.PresenceApiEngine;
import io.presencebroker.metrics.Meters;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.PlatformHttpComponent;

/**
 * The beans of routes/presence-api.yaml, made when the read API is on (the route's precondition): the guard (bearer
 * token, rate limit) and a connection pool of its own, {@code presenceApiDataSource} ({@code presence.api.db.pool-size}
 * connections, read-only, a short connection timeout), so that a flood of API requests waits for (or times out on) its
 * own few connections and never takes the ones the event consumers use. Refuses to start without a token.
 */
public class ReadApiConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        Settings props = Settings.of(context.getPropertiesComponent());
        if (props.isTrue("presence.api.enabled")) {
            context.getComponent("platform-http", PlatformHttpComponent.class)
                    .setEngine(new PresenceApiEngine(props.getInt("presence.api.port")));
        }
    }

    @BindToRegistry(lazy = true)
    public ApiGuard presenceApiGuard(@PropertyInject("presence.api.token") String token,
                                     @PropertyInject("presence.api.rate-limit-per-second") int ratePerSecond) {
        return new ApiGuard(new BearerToken(token), new TokenBucket(ratePerSecond));
    }

    @BindToRegistry(lazy = true)
    public DataSource presenceApiDataSource(CamelContext context) {
        HikariConfig config = poolConfig(Settings.of(context.getPropertiesComponent()), Meters.of(context));
        if (RouteCheck.checkOnly(context)) {
            return RouteCheck.unstartedPool(config);
        }
        HikariDataSource pool = new HikariDataSource(config);
        PresenceConfiguration.closeOnStop(context, pool);
        return pool;
    }

    @BindToRegistry(lazy = true)
    public PresenceView presenceView(@BeanInject("presenceApiDataSource") DataSource pool) {
        return new PresenceView(pool);
    }

    static HikariConfig poolConfig(Settings props, MeterRegistry meters) {
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
}
