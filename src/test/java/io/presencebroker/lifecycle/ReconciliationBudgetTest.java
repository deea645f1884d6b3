package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.IotConnectivityStandIn.Connectivity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    ReconciliationFixture fixture;
    IotConnectivityStandIn iot;

    @BeforeEach
    void setUp() throws SQLException {
        fixture = new ReconciliationFixture(BUDGET);
        iot = fixture.iot;
        try (Connection c = fixture.pool.getConnection(); Statement st = c.createStatement()) {
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
        fixture.close();
    }

    PresenceReconciliation reconciliation() {
        return fixture.reconciliation();
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
        // the test tells only if the pass could go faster than its budget: a stand-in slower than half of it (e.g.
        // waiting out delayed ACKs) would pass this test with the budget broken
        assertThat(at.size() / seconds).as("requests per second the pass reached").isGreaterThan(BUDGET / 2.0);
    }

    @Test
    void aSecondPassWhileOneHoldsTheLockAsksNothing() throws Exception {
        try (Connection holder = fixture.pool.getConnection(); Statement st = holder.createStatement()) {
            st.execute("SELECT GET_LOCK('" + PresenceReconciliation.LOCK + "', 0)");
            PresenceReconciliation.Report report = reconciliation().run(false, null, l -> { });
            assertThat(report.ran()).isFalse();
            assertThat(iot.requestNanos()).isEmpty();
            st.execute("SELECT RELEASE_LOCK('" + PresenceReconciliation.LOCK + "')");
        }
    }
}
