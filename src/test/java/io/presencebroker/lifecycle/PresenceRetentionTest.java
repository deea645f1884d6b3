package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention on the real MariaDB (the migrated schema): a client disconnected longer than the age is forgotten with its
 * subscriptions, in chunks of the given size; a client connected long ago and still connected, one disconnected
 * recently, and a subscription written after the cutoff stay; a user's announcement row goes once none of the user's
 * clients is left and it has nothing to announce. An age of 14 days or less is refused.
 */
class PresenceRetentionTest {

    static final long DAY = 86_400_000L;
    static final long NOW = 1_800_000_000_000L;
    HikariDataSource pool;

    @BeforeEach
    void clean() throws SQLException {
        TestServices.clearDatabase();
        pool = TestServices.pool(2);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    static void presence(Statement st, String client, String user, boolean connected, long eventTs) throws SQLException {
        st.execute("INSERT INTO client_presence (client_id, user_id, connected, version_number, event_rank, event_ts,"
                + " session_id) VALUES ('" + client + "', '" + user + "', " + connected + ", 1, " + (connected ? 0 : 1)
                + ", " + eventTs + ", 's-" + client + "')");
    }

    static void subscription(Statement st, String client, String chat, long eventTs) throws SQLException {
        st.execute("INSERT INTO client_subscription (client_id, chat_id, topic, subscribed, event_rank, event_ts,"
                + " session_id) VALUES ('" + client + "', '" + chat + "', 'app/" + client + "/chat/" + chat + "', TRUE, 0, "
                + eventTs + ", 's-" + client + "')");
    }

    static List<String> column(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    @Test
    void clientsGoneLongerThanTheAgeAreForgottenInChunksAndNothingElse() throws SQLException {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            for (int i = 1; i <= 5; i++) {
                presence(st, "old-" + i, "olduser", false, NOW - 40 * DAY);
                subscription(st, "old-" + i, "1", NOW - 41 * DAY);
            }
            presence(st, "still-on", "kim", true, NOW - 90 * DAY);
            presence(st, "recent", "kim", false, NOW - 2 * DAY);
            presence(st, "mixed-gone", "lea", false, NOW - 60 * DAY);
            presence(st, "mixed-here", "lea", false, NOW - DAY);
            presence(st, "late-sub", "max", false, NOW - 40 * DAY);
            // a subscription newer than the client's last presence event: forgotten with the client, no orphan left
            subscription(st, "late-sub", "9", NOW - DAY);
            presence(st, "pending-1", "pia", false, NOW - 40 * DAY);
            st.execute("INSERT INTO presence_announcement (user_id, announced_online) VALUES ('olduser', FALSE), ('lea', FALSE),"
                    + " ('max', FALSE)");
            // a user with an announcement still to send keeps its row, though its client is forgotten
            st.execute("INSERT INTO presence_announcement (user_id, announced_online, pending_online, pending_at)"
                    + " VALUES ('pia', TRUE, FALSE, 1)");
        }

        long forgotten = new PresenceRetention(pool, 30, 0, 2, () -> NOW).pruneGone();

        assertThat(forgotten).isEqualTo(8);
        assertThat(column("SELECT client_id FROM client_presence ORDER BY client_id"))
                .containsExactly("mixed-here", "recent", "still-on");
        assertThat(column("SELECT CONCAT(client_id, '/', chat_id) FROM client_subscription")).isEmpty();
        // olduser and max have no client left; lea still has one; pia has an announcement to send
        assertThat(column("SELECT user_id FROM presence_announcement ORDER BY user_id")).containsExactly("lea", "pia");
        assertThat(new PresenceRetention(pool, 30, 0, 2, () -> NOW).pruneGone()).as("a second walk").isZero();
        assertThat(new PresenceRetention(pool, 0, 0, 2, () -> NOW + 1000 * DAY).pruneGone()).as("0 keeps every row").isZero();
    }

    @Test
    void transitionsRecordedLongerAgoThanTheHistoryRetentionAreDeletedInChunks() throws SQLException {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                st.execute("INSERT INTO client_presence_history (client_id, user_id, connected, event_ts, version_number,"
                        + " session_id, recorded_at) VALUES ('h', 'h', TRUE, " + i + ", 1, 's', NOW(3) - INTERVAL 8 DAY)");
            }
            st.execute("INSERT INTO client_presence_history (client_id, user_id, connected, event_ts, version_number,"
                    + " session_id, recorded_at) VALUES ('h', 'h', FALSE, 9, 1, 's', NOW(3) - INTERVAL 6 DAY)");
        }
        assertThat(new PresenceRetention(pool, 30, 7, 2, () -> NOW).pruneHistory()).isEqualTo(5);
        assertThat(column("SELECT event_ts FROM client_presence_history")).containsExactly("9");
        assertThat(new PresenceRetention(pool, 30, 0, 2, () -> NOW).pruneHistory()).as("0 keeps all").isZero();
    }

    @Test
    void anAgeThatAQueueCouldStillHoldAnEventOfIsRefused() {
        assertThatThrownBy(() -> new PresenceRetention(pool, 14, 0, 500, () -> NOW))
                .hasMessage("PRESENCE_RETENTION_GONE_DAYS (presence.retention.gone-days) must be 0 (keep every row) or at"
                        + " least 15 (longer than SQS keeps an event, 14 days), not 14");
    }
}
