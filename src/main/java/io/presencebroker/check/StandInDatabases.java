package io.presencebroker.check;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.config.Settings;
import io.presencebroker.metrics.Meters;
import io.presencebroker.store.Pools;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * What {@code check-routes} binds in place of the service's database configuration: the same two pools, configured
 * from the same settings but never started (they would connect on first use, which never comes), and no migration.
 */
public class StandInDatabases implements CamelConfiguration {

    @BindToRegistry(lazy = true)
    public DataSource presenceDataSource(CamelContext context) {
        return unstarted(Pools.primary(Settings.of(context.getPropertiesComponent()), Meters.of(context)));
    }

    @BindToRegistry(lazy = true)
    public DataSource presenceApiDataSource(CamelContext context) {
        return unstarted(Pools.readOnly(Settings.of(context.getPropertiesComponent()), Meters.of(context)));
    }

    private static HikariDataSource unstarted(HikariConfig config) {
        HikariDataSource pool = new HikariDataSource();
        config.copyStateTo(pool);
        return pool;
    }
}
