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

import io.presencebroker.store.DisconnectReasons;
import io.presencebroker.store.SqlLists;

/**
 * From presence changes to pending announcements (docs/announcements.md), in two steps:
 * <ul>
 * <li>the marks ({@link io.presencebroker.store.PresenceChangeMarks}), written by the lifecycle transaction that
 * changed some clients and committed with the change, so a change is never lost;</li>
 * <li>{@link #resolve}, in the announcements flow's transaction before it claims: the marked rows (locked,
 * {@code SKIP LOCKED}: a lifecycle transaction marking one holds it until it commits), the users' presence read
 * after the lock, {@link AnnouncementRule} applied, the marks cleared. Online is due at once, offline after the
 * debounce from the mark (the longer one of an unclean loss when that was the user's latest disconnect); a return to the state subscribers have before that drops the pending one.</li>
 * </ul>
 * The flow claims only rows without a mark, so a pending state it sends reflects every committed change of its user.
 * The read after the lock sees, under READ COMMITTED, whatever the transaction that marked the row last committed;
 * one that marks it after the lock was taken waits and leaves its mark for the next look.
 */
public final class PresenceChanges {

    private static final String MARKED = "SELECT user_id, announced_online, sending_online, pending_online, pending_at"
            + " FROM presence_announcement WHERE marked_at IS NOT NULL"
            + " ORDER BY marked_at LIMIT ? FOR UPDATE SKIP LOCKED";
    /** The database pushes the condition into the grouped view: an index range on these users' rows only. */
    private static final String PRESENCE = "SELECT user_id, is_online, clients_online, last_seen_at, last_seen_reason"
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

    private final long offlineDebounceMillis;
    private final long uncleanDebounceMillis;

    /** One debounce for every offline. */
    public PresenceChanges(long offlineDebounceMillis) {
        this(offlineDebounceMillis, offlineDebounceMillis);
    }

    /**
     * @param offlineDebounceMillis presence.offline-debounce-ms: an offline after a clean disconnect
     * @param uncleanDebounceMillis presence.offline-debounce-unclean-ms: an offline after an unclean loss (the
     *                              user's latest disconnect, {@link DisconnectReasons}), which the app usually follows
     *                              with a reconnect once its network is back
     */
    public PresenceChanges(long offlineDebounceMillis, long uncleanDebounceMillis) {
        this.offlineDebounceMillis = offlineDebounceMillis;
        this.uncleanDebounceMillis = uncleanDebounceMillis;
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
                            long delayMicros = online ? 0 : (DisconnectReasons.unclean(rs.getString(5))
                                    ? uncleanDebounceMillis : offlineDebounceMillis) * 1000;
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
