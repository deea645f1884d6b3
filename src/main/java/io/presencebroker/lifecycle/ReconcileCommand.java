package io.presencebroker.lifecycle;

import java.io.PrintStream;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.config.Settings;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.store.Pools;
import io.presencebroker.store.PresenceChangeMarks;

/**
 * {@code reconcile [--dry-run] [--client ID]}: one reconciliation pass from the command line, with the service's
 * settings (the database, AWS IoT, the budget), the service's writer (repairs are history rows and announcement marks
 * as in the service) and its named lock (it waits for no running pass: it says so and exits with 1).
 */
public final class ReconcileCommand {

    private ReconcileCommand() {
    }

    public static int run(boolean dryRun, String clientId, Map<String, String> overrides, PrintStream out)
            throws Exception {
        Settings settings = Settings.load(overrides);
        settings.requireAll("presence.db.url", "presence.db.user", "aws.region");
        HikariConfig config = Pools.primary(settings, new SimpleMeterRegistry());
        config.setMaximumPoolSize(3); // the lock, a page, a repair
        try (HikariDataSource dataSource = new HikariDataSource(config);
             IotConnectivity iot = IotConnectivity.create(settings, () -> false)) {
            DatabaseMigration.requireCurrent(dataSource);
            PresenceWriter writer = new PresenceWriter(dataSource, settings.getLong("presence.version-reset-gap-ms"),
                    new PresenceChangeMarks(settings.isTrue("presence.announcements.enabled")),
                    settings.isTrue("presence.history.enabled"));
            PresenceReconciliation reconciliation = new PresenceReconciliation(dataSource, writer, iot::record,
                    settings.getInt("presence.reconcile.chunk"), new SimpleMeterRegistry(), () -> false);
            PresenceReconciliation.Report report = reconciliation.run(dryRun, clientId, out::println);
            if (report.ran() && clientId != null && report.requests() == 0 && report.outcomes().isEmpty()) {
                out.println(clientId + ": not stored");
            }
            out.println((dryRun ? "Dry run, nothing changed: " : "Reconciled: ") + report.summary());
            return report.ran() ? 0 : 1;
        }
    }
}
