package io.presencebroker.lifecycle;

import java.net.URI;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.rate.TokenBucket;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.TestServices;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;

/**
 * A reconciliation without Camel, as the service assembles it: the real MariaDB (emptied), the stand-in AWS IoT
 * server behind the real SDK client with the given request budget, the lifecycle writer with history.
 */
final class ReconciliationFixture implements AutoCloseable {

    final HikariDataSource pool;
    final IotConnectivityStandIn iot;
    final IotConnectivity connectivity;

    ReconciliationFixture(double requestsPerSecond) throws SQLException {
        TestServices.clearDatabase();
        pool = TestServices.pool(3);
        iot = IotConnectivityStandIn.start();
        connectivity = new IotConnectivity(IotConnectivity.budgeted(IotClient.builder().region(Region.US_EAST_1)
                .endpointOverride(URI.create(iot.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))),
                new TokenBucket("budget", requestsPerSecond, 1), () -> false, Duration.ofSeconds(10)).build());
    }

    PresenceReconciliation reconciliation() {
        return reconciliation(connectivity::record, 500);
    }

    PresenceReconciliation reconciliation(Function<String, ReconcileVerdict.Record> record, int chunk) {
        return new PresenceReconciliation(pool, new PresenceWriter(pool, 1_800_000, PresenceChangeMarks.disabled(), true),
                record, chunk, new SimpleMeterRegistry(), () -> false);
    }

    @Override
    public void close() throws SQLException {
        connectivity.close();
        iot.close();
        pool.close();
        TestServices.clearDatabase();
    }
}
