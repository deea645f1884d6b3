package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.lifecycle.PresenceWriter;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.lifecycle.RowUpdate;
import io.presencebroker.store.Transactions;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mark of a lifecycle transaction and the look that compares it, on the real MariaDB, without Camel: the steps
 * of {@link PresenceChanges} and {@link PresenceAnnouncer#claimDue()} one by one, in an order the flow meets only
 * under load (more marked users than one look compares).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceChangesTest {

    static final long DEBOUNCE_MS = 10_000;
    HikariDataSource pool;
    final PresenceChanges changes = new PresenceChanges(DEBOUNCE_MS);
    PresenceWriter store;
    long ts = System.currentTimeMillis();
    long version;

    @BeforeAll
    void pool() {
        pool = TestServices.pool(2);
        store = new PresenceWriter(pool, 3_600_000L, new PresenceChangeMarks(true));
    }

    @AfterAll
    void close() {
        pool.close();
    }

    @BeforeEach
    void clear() throws SQLException {
        TestServices.clearDatabase();
    }

    @Test
    void lifecycleTransactionOnlyMarksAndTheLookPendsOnline() throws Exception {
        apply("pc-new", true);

        assertThat(row("pc-new")).isEqualTo("marked pending=null");
        List<PresenceAnnouncement> due = announcer(500).claimDue().due();

        assertThat(due).extracting(PresenceAnnouncement::getUserId, PresenceAnnouncement::isOnline)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("pc-new", true));
        assertThat(row("pc-new")).isEqualTo("unmarked pending=null");
    }

    @Test
    void aChangeStillToCompareHoldsItsUsersDueAnnouncementBack() throws Exception {
        // b's online is pending and due; then b goes offline, marked after a, and the look compares only one user
        apply("pc-b", true);
        Transactions.inTransaction(pool, c -> changes.resolve(c, 500));
        apply("pc-a", true);
        apply("pc-b", false);
        execute("UPDATE presence_announcement SET marked_at = TIMESTAMPADD(SECOND, -1, marked_at)"
                + " WHERE user_id = 'pc-a'");
        PresenceAnnouncer announcer = announcer(1);

        List<PresenceAnnouncement> first = announcer.claimDue().due();
        List<PresenceAnnouncement> second = announcer.claimDue().due();

        // the online of b that its offline replaced is never claimed; the offline waits for the debounce
        assertThat(first).extracting(PresenceAnnouncement::getUserId).containsExactly("pc-a");
        assertThat(second).isEmpty();
        assertThat(row("pc-b")).isEqualTo("unmarked pending=false");
    }

    @Test
    void aReturnBeforeTheLookAnnouncesNothing() throws Exception {
        // announced online; offline and back online again before any look: the look finds the baseline
        PresenceAnnouncer announcer = announcedOnline("pc-c");
        apply("pc-c", false);
        apply("pc-c", true);

        assertThat(announcer.claimDue().due()).isEmpty();
        assertThat(row("pc-c")).isEqualTo("unmarked pending=null");
    }

    @Test
    void aReturnAndASecondDisconnectBetweenTwoLooksStartTheDebounceOver() throws Exception {
        // announced online; offline pending, and its window all but over (moved 11 s back, as if it had passed)
        PresenceAnnouncer announcer = announcedOnline("pc-d");
        apply("pc-d", false);
        assertThat(announcer.claimDue().due()).isEmpty();
        execute("UPDATE presence_announcement SET pending_due = TIMESTAMPADD(SECOND, -11, pending_due),"
                + " due_at = TIMESTAMPADD(SECOND, -11, due_at) WHERE user_id = 'pc-d'");
        // back online and offline again before the next look: the offline it finds is a new one
        apply("pc-d", true);
        apply("pc-d", false);

        assertThat(announcer.claimDue().due()).as("the first offline's window is not the second's").isEmpty();
        assertThat(row("pc-d")).isEqualTo("unmarked pending=false");
    }

    @Test
    void anUncleanLossWaitsItsLongerWindowACleanDisconnectItsOwn() throws Exception {
        PresenceAnnouncer announcer = new PresenceAnnouncer(pool, new PresenceChanges(10_000, 60_000), 50, 500, 30,
                new SimpleMeterRegistry());
        apply("pc-clean", true);
        apply("pc-lost", true);
        announcer.announced(announcer.claimDue().due());
        apply("pc-clean", false, "CLIENT_INITIATED_DISCONNECT");
        apply("pc-lost", false, "CONNECTION_LOST");

        assertThat(announcer.claimDue().due()).isEmpty();
        assertThat(windowMillis("pc-clean")).isEqualTo(10_000);
        assertThat(windowMillis("pc-lost")).isEqualTo(60_000);
    }

    /** How long after the change the user's pending offline is due. */
    private long windowMillis(String user) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT TIMESTAMPDIFF(MICROSECOND, changed_at, pending_due) / 1000"
                     + " FROM presence_announcement WHERE user_id = ?")) {
            st.setString(1, user);
            try (var rs = st.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    /** The client connects, and its online is claimed and recorded as announced; the announcer that did it. */
    private PresenceAnnouncer announcedOnline(String client) throws Exception {
        apply(client, true);
        PresenceAnnouncer announcer = announcer(500);
        List<PresenceAnnouncement> due = announcer.claimDue().due();
        assertThat(due).extracting(PresenceAnnouncement::getUserId).containsExactly(client);
        announcer.announced(due);
        return announcer;
    }

    private PresenceAnnouncer announcer(int resolveBatchSize) {
        return new PresenceAnnouncer(pool, changes, 50, resolveBatchSize, 30, new SimpleMeterRegistry());
    }

    /** The client (its own user) connects or disconnects, a newer event (version and time) each time. */
    private void apply(String client, boolean connected) throws SQLException {
        apply(client, connected, connected ? null : "CLIENT_INITIATED_DISCONNECT");
    }

    private void apply(String client, boolean connected, String reason) throws SQLException {
        ts += 1000;
        version++;
        store.apply(List.of(new RowUpdate.Presence(client, client, connected, version, ts, "s", reason)));
    }

    private String row(String user) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT presence_changed_at IS NOT NULL, pending_online"
                     + " FROM presence_announcement WHERE user_id = ?")) {
            st.setString(1, user);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("row of " + user).isTrue();
                Object pending = rs.getObject(2);
                return (rs.getBoolean(1) ? "marked" : "unmarked") + " pending="
                        + (pending == null ? "null" : String.valueOf(rs.getBoolean(2)));
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.executeUpdate();
        }
    }
}
