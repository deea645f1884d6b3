package io.presencebroker.lifecycle;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.rate.TokenBucket;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.IotConnectivityStandIn.Connectivity;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pass over 100,000 stored clients (one in 25 connected, the ones a pass asks about) on the real MariaDB, against
 * the stand-in AWS IoT server through the real SDK client, stays within the request budget it was given: in every
 * second of the pass at most the budget (no burst), one request per connected client, and none while another pass
 * holds the lock.
 */
class ReconciliationBudgetTest {

    static final int STORED = 100_000;
    static final int EVERY = 25; // one client in 25 stored connected
    static final int BUDGET = 400; // below what one pass thread reaches here unbudgeted (about 900/s)
    static final long T = 1_800_000_000_000L;

    HikariDataSource pool;
    IotConnectivityStandIn iot;
    IotConnectivity connectivity;

    @BeforeEach
    void setUp() throws SQLException {
        TestServices.clearDatabase();
        pool = TestServices.pool(3);
        iot = IotConnectivityStandIn.start();
        connectivity = new IotConnectivity(IotConnectivity.budgeted(IotClient.builder().region(Region.US_EAST_1)
                .endpointOverride(URI.create(iot.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))),
                new TokenBucket("budget", BUDGET, 1), () -> false, Duration.ofSeconds(10)).build());
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            for (int from = 0; from < STORED; from += 1_000) {
                StringBuilder sql = new StringBuilder("INSERT INTO client_presence (client_id, user_id, connected,"
                        + " version_number, event_rank, event_ts, session_id) VALUES ");
                for (int i = from; i < from + 1_000; i++) {
                    boolean connected = i % EVERY == 0;
                    sql.append(i == from ? "" : ",").append("('c-").append(i).append("','u-").append(i).append("',")
                            .append(connected).append(",1,").append(connected ? 0 : 1).append(",").append(T).append(",'s')");
                    if (connected) {
                        iot.put("c-" + i, new Connectivity(true, T, null));
                    }
                }
                st.execute(sql.toString());
            }
        }
    }

    @AfterEach
    void tearDown() throws SQLException {
        connectivity.close();
        iot.close();
        pool.close();
        TestServices.clearDatabase();
    }

    PresenceReconciliation reconciliation() {
        return new PresenceReconciliation(pool, new PresenceWriter(pool, 1_800_000, PresenceChangeMarks.disabled(), true),
                connectivity::record, 500, new SimpleMeterRegistry(), () -> false);
    }

    @Test
    void aPassOverAHundredThousandClientsStaysWithinItsRequestBudget() throws Exception {
        PresenceReconciliation.Report report = reconciliation().run(false, null, l -> { });

        List<Long> at = iot.requestNanos();
        int busiest = 0;
        for (int i = 0, j = 0; i < at.size(); i++) {
            while (at.get(i) - at.get(j) >= 1_000_000_000L) {
                j++;
            }
            busiest = Math.max(busiest, i - j + 1);
        }
        double seconds = (at.get(at.size() - 1) - at.get(0)) / 1e9;
        System.out.printf("reconcile budget: %d stored clients, %d requests in %.1f s (%.0f/s), busiest second %d,"
                + " budget %d/s; pass %s%n", STORED, at.size(), seconds, at.size() / seconds, busiest, BUDGET, report.summary());
        assertThat(report.requests()).isEqualTo(STORED / EVERY);
        assertThat(at).hasSize(STORED / EVERY);
        assertThat(report.count(ReconcileVerdict.Outcome.AGREES)).isEqualTo(STORED / EVERY);
        assertThat(busiest).as("requests in any one second").isLessThanOrEqualTo(BUDGET + 1);
    }

    @Test
    void aSecondPassWhileOneHoldsTheLockAsksNothing() throws Exception {
        try (Connection holder = pool.getConnection(); Statement st = holder.createStatement()) {
            st.execute("SELECT GET_LOCK('" + PresenceReconciliation.LOCK + "', 0)");
            PresenceReconciliation.Report report = reconciliation().run(false, null, l -> { });
            assertThat(report.ran()).isFalse();
            assertThat(iot.requestNanos()).isEmpty();
            st.execute("SELECT RELEASE_LOCK('" + PresenceReconciliation.LOCK + "')");
        }
    }
}
