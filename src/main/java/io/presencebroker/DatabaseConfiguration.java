package io.presencebroker;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.health.AuthenticationTrackingDataSource;
import io.presencebroker.health.CredentialRefresh;
import io.presencebroker.metrics.Meters;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.store.Pools;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The database as the running service has it: its two pools, opened and closed with the context, and the schema
 * migrated (or checked current) before any route starts. {@code check-routes} binds its own stand-ins instead
 * ({@code check/StandInDatabases}): the same pools unstarted, no migration.
 */
public class DatabaseConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        DataSource dataSource = ContextServices.bean(context, "presenceDataSource", DataSource.class);
        if (Settings.of(context.getPropertiesComponent()).isTrue("presence.db.migrate")) {
            DatabaseMigration.migrate(dataSource);
        } else {
            DatabaseMigration.requireCurrent(dataSource); // migrations run by the `migrate` command, another credential
        }
    }

    /** The consumers' pool. With presence.db.secret-arn, a refused login reads the secret again (a rotation). */
    @BindToRegistry(lazy = true)
    public DataSource presenceDataSource(CamelContext context, AuthenticationFailures failures) {
        Settings props = Settings.of(context.getPropertiesComponent());
        HikariDataSource pool = new AuthenticationTrackingDataSource(Pools.primary(props, Meters.of(context)), failures);
        ContextServices.closeOnStop(context, pool);
        CredentialRefresh.install(context, props, pool, failures);
        return pool;
    }

    /** The read API's own pool (routes/presence-api.yaml): connects when first asked. */
    @BindToRegistry(lazy = true)
    public DataSource presenceApiDataSource(CamelContext context) {
        HikariDataSource pool = new HikariDataSource(Pools.readOnly(Settings.of(context.getPropertiesComponent()),
                Meters.of(context)));
        ContextServices.closeOnStop(context, pool);
        return pool;
    }
}
