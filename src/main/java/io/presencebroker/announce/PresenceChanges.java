package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.presencebroker.store.SqlLists;

/**
 * Turns the presence changes of a lifecycle transaction into pending announcements, in that same transaction
 * (docs/announcements.md): a transition is pending exactly when the change that made it is committed. Online is due at
 * once, offline after the debounce; a return to the state subscribers have before that drops the pending one.
 *
 * <p>Several consumers and instances may change one user's clients at once: each transaction locks the user's row
 * (made first for a new user; users in id order, so two transactions never wait for each other in a cycle), and only
 * then reads the user's presence, which under READ COMMITTED includes whatever the transaction before it committed.
 */
public final class PresenceChanges {

    private static final String ENSURE_ROWS = "INSERT INTO presence_announcement (user_id) VALUES %s"
            + " ON DUPLICATE KEY UPDATE user_id = user_id";
    private static final String LOCK = "SELECT user_id, announced_online, sending_online, pending_online"
            + " FROM presence_announcement WHERE user_id IN (%s) ORDER BY user_id FOR UPDATE";
    /** The database pushes the condition into the grouped view: an index range on these users' rows only. */
    private static final String PRESENCE = "SELECT user_id, is_online, clients_online, last_seen_at"
            + " FROM user_presence WHERE user_id IN (%s)";
    /** Parameters: online, at, clients, delay (µs), delay (µs), user. A row being sent keeps its claim's due time. */
    private static final String PEND = """
            UPDATE presence_announcement
               SET pending_online = ?, pending_at = ?, pending_clients = ?,
                   pending_due = TIMESTAMPADD(MICROSECOND, ?, NOW(3)),
                   due_at = CASE WHEN sending_online IS NULL THEN TIMESTAMPADD(MICROSECOND, ?, NOW(3)) ELSE due_at END,
                   changed_at = NOW(3)
             WHERE user_id = ?""";
    private static final String CANCEL = """
            UPDATE presence_announcement
               SET pending_online = NULL, pending_at = NULL, pending_clients = NULL, pending_due = NULL,
                   due_at = CASE WHEN sending_online IS NULL THEN NULL ELSE due_at END
             WHERE user_id = ?""";

    private final boolean enabled;
    private final long offlineDebounceMillis;

    /**
     * @param enabled               presence.announcements.enabled; when false, {@link #track} does nothing
     * @param offlineDebounceMillis presence.offline-debounce-ms
     */
    public PresenceChanges(boolean enabled, long offlineDebounceMillis) {
        this.enabled = enabled;
        this.offlineDebounceMillis = offlineDebounceMillis;
    }

    public static PresenceChanges disabled() {
        return new PresenceChanges(false, 0);
    }

    /** In the transaction of {@code c}, after the presence rows of these users' clients changed. */
    public void track(Connection c, Collection<String> userIds) throws SQLException {
        if (!enabled || userIds.isEmpty()) {
            return;
        }
        List<String> users = List.copyOf(new TreeSet<>(userIds));
        Map<String, Row> rows = lock(c, users);
        if (rows.size() < users.size()) {
            // users seen for the first time: their rows, then locked and read (another transaction may have made and
            // changed one meanwhile: the insert waits for it, and the read sees what it committed)
            List<String> missing = users.stream().filter(u -> !rows.containsKey(u)).toList();
            try (PreparedStatement st = c.prepareStatement(ENSURE_ROWS.formatted(
                    String.join(", ", Collections.nCopies(missing.size(), "(?)"))))) {
                SqlLists.bind(st, 1, missing);
                st.executeUpdate();
            }
            rows.putAll(lock(c, missing));
        }
        try (PreparedStatement presence = c.prepareStatement(PRESENCE.formatted(SqlLists.placeholders(users.size())));
             PreparedStatement pend = c.prepareStatement(PEND);
             PreparedStatement cancel = c.prepareStatement(CANCEL)) {
            SqlLists.bind(presence, 1, users);
            try (ResultSet rs = presence.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    boolean online = rs.getBoolean(2);
                    Row row = rows.get(user);
                    switch (AnnouncementRule.next(row.announced(), row.sending(), row.pending(), online)) {
                        case PEND -> {
                            long delayMicros = online ? 0 : offlineDebounceMillis * 1000;
                            pend.setBoolean(1, online);
                            pend.setLong(2, rs.getLong(4));
                            pend.setInt(3, rs.getInt(3));
                            pend.setLong(4, delayMicros);
                            pend.setLong(5, delayMicros);
                            pend.setString(6, user);
                            pend.addBatch();
                        }
                        case CANCEL -> {
                            cancel.setString(1, user);
                            cancel.addBatch();
                        }
                        case NONE -> {
                        }
                    }
                }
            }
            pend.executeBatch();
            cancel.executeBatch();
        }
    }

    /** A user's row: the states announced, being sent and pending (each null when there is none). */
    private record Row(Boolean announced, Boolean sending, Boolean pending) {
    }

    /** The users' rows that exist, locked (in user id order). */
    private static Map<String, Row> lock(Connection c, List<String> users) throws SQLException {
        Map<String, Row> rows = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement(LOCK.formatted(SqlLists.placeholders(users.size())))) {
            SqlLists.bind(st, 1, users);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Row(bool(rs, 2), bool(rs, 3), bool(rs, 4)));
                }
            }
        }
        return rows;
    }

    private static Boolean bool(ResultSet rs, int column) throws SQLException {
        boolean v = rs.getBoolean(column);
        return rs.wasNull() ? null : v;
    }
}
