package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.presencebroker.store.SqlLists;

/**
 * From presence changes to pending announcements (docs/announcements.md), in two steps:
 * <ul>
 * <li>{@link #mark}, in the lifecycle transaction that changed some clients: their users' rows of
 * presence_announcement get {@code marked_at} (the first mark, kept) and {@code presence_changed_at} (the latest), one
 * UPDATE for all of them (and one insert-or-update when some have no row yet).
 * Committed with the change, so a change is never lost, and nothing is read.</li>
 * <li>{@link #resolve}, in the announcements flow's transaction before it claims: the marked rows (locked,
 * {@code SKIP LOCKED}: a lifecycle transaction marking one holds it until it commits), the users' presence read
 * after the lock, {@link AnnouncementRule} applied, the marks cleared. Online is due at once, offline after the
 * debounce from the mark; a return to the state subscribers have before that drops the pending one.</li>
 * </ul>
 * The flow claims only rows without a mark, so a pending state it sends reflects every committed change of its user.
 * The read after the lock sees, under READ COMMITTED, whatever the transaction that marked the row last committed;
 * one that marks it after the lock was taken waits and leaves its mark for the next look.
 */
public final class PresenceChanges {

    /** The first mark orders the looks (oldest first, however often the user changes since); the latest one times. */
    private static final String MARK = "UPDATE presence_announcement"
            + " SET marked_at = COALESCE(marked_at, NOW(3)), presence_changed_at = NOW(3) WHERE user_id IN (%s)";
    private static final String ENSURE_MARKED = "INSERT INTO presence_announcement"
            + " (user_id, marked_at, presence_changed_at) VALUES %s"
            + " ON DUPLICATE KEY UPDATE marked_at = COALESCE(marked_at, NOW(3)), presence_changed_at = NOW(3)";
    private static final String MARKED = "SELECT user_id, announced_online, sending_online, pending_online, pending_at"
            + " FROM presence_announcement WHERE marked_at IS NOT NULL"
            + " ORDER BY marked_at LIMIT ? FOR UPDATE SKIP LOCKED";
    /** The database pushes the condition into the grouped view: an index range on these users' rows only. */
    private static final String PRESENCE = "SELECT user_id, is_online, clients_online, last_seen_at"
            + " FROM user_presence WHERE user_id IN (%s)";
    /**
     * The debounce counts from the mark, the latest change. Parameters: online, at, clients, delay (µs), delay (µs),
     * user. A row being sent keeps its claim's due time.
     */
    private static final String PEND = """
            UPDATE presence_announcement
               SET pending_online = ?, pending_at = ?, pending_clients = ?,
                   pending_due = TIMESTAMPADD(MICROSECOND, ?, presence_changed_at),
                   due_at = CASE WHEN sending_online IS NULL THEN TIMESTAMPADD(MICROSECOND, ?, presence_changed_at)
                                 ELSE due_at END,
                   changed_at = presence_changed_at
             WHERE user_id = ?""";
    private static final String CANCEL = """
            UPDATE presence_announcement
               SET pending_online = NULL, pending_at = NULL, pending_clients = NULL, pending_due = NULL,
                   due_at = CASE WHEN sending_online IS NULL THEN NULL ELSE due_at END
             WHERE user_id = ?""";
    private static final String UNMARK = "UPDATE presence_announcement SET marked_at = NULL, presence_changed_at = NULL"
            + " WHERE user_id IN (%s)";

    private final boolean enabled;
    private final long offlineDebounceMillis;

    /**
     * @param enabled               presence.announcements.enabled; when false, {@link #mark} does nothing
     * @param offlineDebounceMillis presence.offline-debounce-ms
     */
    public PresenceChanges(boolean enabled, long offlineDebounceMillis) {
        this.enabled = enabled;
        this.offlineDebounceMillis = offlineDebounceMillis;
    }

    public static PresenceChanges disabled() {
        return new PresenceChanges(false, 0);
    }

    /** Whether lifecycle transactions mark their users (presence.announcements.enabled). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The statement that marks {@code users} users, their ids its parameters in user id order (so two transactions
     * never wait for each other in a cycle): for a lifecycle transaction that sends it together with its commit.
     */
    public String markStatement(int users) {
        return ENSURE_MARKED.formatted(String.join(", ", Collections.nCopies(users, "(?, NOW(3), NOW(3))")));
    }

    /** In the transaction of {@code c}, after the presence rows of these users' clients changed. */
    public void mark(Connection c, Collection<String> userIds) throws SQLException {
        if (!enabled || userIds.isEmpty()) {
            return;
        }
        // in user id order, so two transactions never wait for each other in a cycle
        List<String> users = List.copyOf(new TreeSet<>(userIds));
        int marked;
        try (PreparedStatement st = c.prepareStatement(MARK.formatted(SqlLists.placeholders(users.size())))) {
            SqlLists.bind(st, 1, users);
            marked = st.executeUpdate();
        }
        if (marked < users.size()) {
            // users seen for the first time: their rows (the marked ones are locked by now, marking them again is
            // harmless)
            try (PreparedStatement st = c.prepareStatement(ENSURE_MARKED.formatted(
                    String.join(", ", Collections.nCopies(users.size(), "(?, NOW(3), NOW(3))"))))) {
                SqlLists.bind(st, 1, users);
                st.executeUpdate();
            }
        }
    }

    /**
     * In the transaction of {@code c}: up to {@code limit} marked rows compared with their users' presence and
     * unmarked. Returns how many.
     */
    public int resolve(Connection c, int limit) throws SQLException {
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(MARKED)) {
            st.setInt(1, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long pendingAt = rs.getLong(5);
                    rows.put(rs.getString(1), new Row(bool(rs, 2), bool(rs, 3), bool(rs, 4),
                            rs.wasNull() ? null : pendingAt));
                }
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        List<String> users = new ArrayList<>(rows.keySet());
        try (PreparedStatement presence = c.prepareStatement(PRESENCE.formatted(SqlLists.placeholders(users.size())));
             PreparedStatement pend = c.prepareStatement(PEND);
             PreparedStatement cancel = c.prepareStatement(CANCEL);
             PreparedStatement unmark = c.prepareStatement(UNMARK.formatted(SqlLists.placeholders(users.size())))) {
            SqlLists.bind(presence, 1, users);
            try (ResultSet rs = presence.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    boolean online = rs.getBoolean(2);
                    long at = rs.getLong(4);
                    Row row = rows.get(user);
                    switch (AnnouncementRule.next(row.announced(), row.sending(), row.pending(), row.pendingAt(), online,
                            at)) {
                        case PEND -> {
                            long delayMicros = online ? 0 : offlineDebounceMillis * 1000;
                            pend.setBoolean(1, online);
                            pend.setLong(2, at);
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
            // a user without clients any more (its clients moved to another user id) has nothing to compare
            SqlLists.bind(unmark, 1, users);
            unmark.executeUpdate();
        }
        return users.size();
    }

    /** A user's row: the states announced, being sent and pending (each null when there is none), and its time. */
    private record Row(Boolean announced, Boolean sending, Boolean pending, Long pendingAt) {
    }

    private static Boolean bool(ResultSet rs, int column) throws SQLException {
        boolean v = rs.getBoolean(column);
        return rs.wasNull() ? null : v;
    }
}
