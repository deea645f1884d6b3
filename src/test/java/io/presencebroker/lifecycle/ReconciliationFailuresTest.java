package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.IotConnectivityStandIn.Connectivity;
import io.presencebroker.testing.SocketStatusRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a pass does when AWS IoT fails (HTTP 500 after the SDK's retries), on the real MariaDB and the stand-in server:
 * a client whose request failed is counted and the pass goes on; five in a row end it, and the repairs it proved before
 * are applied all the same; every attempt, retries included, reached the server. A pass whose lock session ends stops
 * before its next chunk.
 */
class ReconciliationFailuresTest {

    static final long T = 1_800_000_000_000L;
    ReconciliationFixture fixture;
    IotConnectivityStandIn iot;

    @BeforeEach
    void setUp() throws SQLException {
        fixture = new ReconciliationFixture(1_000);
        iot = fixture.iot;
        try (Connection c = fixture.pool.getConnection(); Statement st = c.createStatement()) {
            for (int i = 0; i < 8; i++) {
                st.execute("INSERT INTO client_presence (client_id, user_id, connected, version_number, event_rank,"
                        + " event_ts, session_id) VALUES ('f-" + i + "', 'f-" + i + "', TRUE, 1, 0, " + T + ", 's')");
                iot.put("f-" + i, new Connectivity(false, T + 1_000, "CONNECTION_LOST"));
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
    void aFailedRequestIsCountedAndThePassGoesOn() throws Exception {
        iot.failNext(3); // the first client's call and the SDK's two retries

        PresenceReconciliation.Report report = reconciliation().run(false, null, line -> { });

        assertThat(report.count(ReconcileVerdict.Outcome.FAILED)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.REPAIRED)).isEqualTo(7);
        assertThat(SocketStatusRow.readAll()).containsOnlyOnce(SocketStatusRow.connected("f-0"));
        assertThat(iot.requestNanos()).as("every attempt reached the server").hasSize(3 + 7);
    }

    @Test
    void aPassWhoseLockSessionEndsStopsBeforeItsNextChunk() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        PresenceReconciliation pass = fixture.reconciliation(client -> {
            if (asked.incrementAndGet() == 3) { // in the second chunk: the lock's session ends (a failover, a timeout)
                killLockSession();
            }
            return fixture.connectivity.record(client);
        }, 2);

        assertThatThrownBy(() -> pass.run(false, null, line -> { })).isInstanceOf(SQLException.class);

        assertThat(asked.get()).as("clients asked: the second chunk finishes, no third starts").isEqualTo(4);
        assertThat(SocketStatusRow.readAll()).filteredOn(r -> !r.connected()).hasSize(4);
        // the lock is free again: the next pass runs
        assertThat(fixture.reconciliation().run(false, null, line -> { }).ran()).isTrue();
    }

    void killLockSession() {
        try (Connection c = fixture.pool.getConnection(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT IS_USED_LOCK('" + PresenceReconciliation.LOCK + "')")) {
            assertThat(rs.next()).isTrue();
            st.execute("KILL " + rs.getLong(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fiveFailuresInARowEndThePassAndWhatItProvedBeforeIsApplied() throws Exception {
        List<String> lines = new ArrayList<>();
        iot.failAfter(2, 1_000); // two clients answered, then AWS IoT keeps failing

        assertThatThrownBy(() -> reconciliation().run(false, null, lines::add))
                .hasMessageContaining("failed 5 requests in a row");

        assertThat(lines).filteredOn(l -> l.contains(": repaired")).hasSize(2);
        assertThat(lines).filteredOn(l -> l.contains(": failed")).hasSize(4);
        assertThat(SocketStatusRow.readAll()).filteredOn(r -> !r.connected()).hasSize(2);
    }
}
