package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

import io.presencebroker.store.SqlLists;

/**
 * Turns the presence changes of a lifecycle transaction into pending announcements, in that same transaction
 * (docs/announcements.md): a transition is pending exactly when the change that made it is committed. Online is due at
 * once, offline after the debounce; a return to the state subscribers have before that drops the pending one.
 *
 * <p>Several consumers and instances may change one user's clients at once: each transaction first locks the user's
 * row, making it for a new user (one insert-or-lock statement, users in id order, so two transactions never wait for
 * each other in a cycle), and only then reads the user's presence, in a statement of its own, which under READ
 * COMMITTED includes whatever the transaction before it committed. Three statements per transaction: lock, read,
 * and the updates of the users whose state changed.
 */
public final class PresenceChanges {

    /**
     * Makes the users' rows that are missing and locks them all (an existing row: the exclusive record lock of a
     * duplicate key, with nothing written).
     */
    private static final String LOCK = "INSERT INTO presence_announcement (user_id) VALUES %s"
            + " ON DUPLICATE KEY UPDATE user_id = user_id";
    /**
     * After the lock: the users' announcement state and their presence. The database pushes the condition into the
     * grouped view user_presence: an index range on these users' clients only.
     */
    private static final String STATE = """
            SELECT a.user_id, a.announced_online, a.sending_online, a.pending_online,
                   p.is_online, p.clients_online, p.last_seen_at
              FROM presence_announcement a
              JOIN user_presence p ON p.user_id = a.user_id
             WHERE a.user_id IN (%s) AND p.user_id IN (%<s)""";
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
        try (PreparedStatement lock = c.prepareStatement(LOCK.formatted(
                String.join(", ", Collections.nCopies(users.size(), "(?)"))))) {
            SqlLists.bind(lock, 1, users);
            lock.executeUpdate();
        }
        try (PreparedStatement state = c.prepareStatement(STATE.formatted(SqlLists.placeholders(users.size())));
             PreparedStatement pend = c.prepareStatement(PEND);
             PreparedStatement cancel = c.prepareStatement(CANCEL)) {
            SqlLists.bind(state, 1, users);
            SqlLists.bind(state, 1 + users.size(), users);
            boolean pending = false;
            boolean cancelled = false;
            try (ResultSet rs = state.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    boolean online = rs.getBoolean(5);
                    switch (AnnouncementRule.next(bool(rs, 2), bool(rs, 3), bool(rs, 4), online)) {
                        case PEND -> {
                            long delayMicros = online ? 0 : offlineDebounceMillis * 1000;
                            pend.setBoolean(1, online);
                            pend.setLong(2, rs.getLong(7));
                            pend.setInt(3, rs.getInt(6));
                            pend.setLong(4, delayMicros);
                            pend.setLong(5, delayMicros);
                            pend.setString(6, user);
                            pend.addBatch();
                            pending = true;
                        }
                        case CANCEL -> {
                            cancel.setString(1, user);
                            cancel.addBatch();
                            cancelled = true;
                        }
                        case NONE -> {
                        }
                    }
                }
            }
            if (pending) {
                pend.executeBatch();
            }
            if (cancelled) {
                cancel.executeBatch();
            }
        }
    }

    private static Boolean bool(ResultSet rs, int column) throws SQLException {
        boolean v = rs.getBoolean(column);
        return rs.wasNull() ? null : v;
    }
}
