package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import io.presencebroker.config.RouteBean;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.store.SqlLists;
import io.presencebroker.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of the presence tables (routes/presence-retention.yaml): a client disconnected for longer than
 * presence.retention.gone-days is forgotten, its client_presence row and all its client_subscription rows deleted, and
 * the presence_announcement row of a user none of whose clients is left (with nothing to announce). The table is
 * walked in primary key order, {@code chunk} rows at a time, each chunk one short transaction that deletes what it
 * found gone; every delete states its condition again, so an event applied meanwhile (the client came back) keeps its
 * rows. Safe for ordering because the age is longer than any queue keeps an event: no older event of a forgotten
 * client can still arrive and be taken for its latest state (a start with a shorter age is refused).
 */
@RouteBean
public final class PresenceRetention {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceRetention.class);

    /** SQS keeps a message at most 14 days; a forgotten client's older events must no longer be able to arrive. */
    public static final int MIN_GONE_DAYS = 15;

    private static final String PAGE = """
            SELECT client_id, user_id, connected, event_ts FROM client_presence
             WHERE client_id > ? ORDER BY client_id LIMIT ?""";
    private static final String FORGET_SUBSCRIPTIONS = """
            DELETE FROM client_subscription
             WHERE client_id IN (%s)
               AND client_id IN (SELECT client_id FROM client_presence WHERE connected = FALSE AND event_ts < ?)""";
    private static final String FORGET_CLIENTS = """
            DELETE FROM client_presence WHERE client_id IN (%s) AND connected = FALSE AND event_ts < ?""";

    private static final String PRUNE_HISTORY = """
            DELETE FROM client_presence_history WHERE recorded_at < NOW(3) - INTERVAL ? DAY ORDER BY id LIMIT ?""";

    private final DataSource dataSource;
    private final int goneDays;
    private final int historyDays;
    private final int chunk;
    private final LongSupplier clock;

    /**
     * @param goneDays presence.retention.gone-days: 0 keeps every row; otherwise at least {@link #MIN_GONE_DAYS}
     * @param historyDays presence.retention.history-days: transitions recorded longer ago are deleted; 0 keeps all
     * @param chunk    presence.retention.prune-chunk: rows read (and at most deleted) per transaction
     */
    public PresenceRetention(DataSource dataSource, int goneDays, int historyDays, int chunk, LongSupplier clock) {
        if (goneDays != 0 && goneDays < MIN_GONE_DAYS) {
            throw new IllegalStateException("PRESENCE_RETENTION_GONE_DAYS (presence.retention.gone-days) must be 0 (keep"
                    + " every row) or at least " + MIN_GONE_DAYS + " (longer than SQS keeps an event, 14 days), not "
                    + goneDays);
        }
        if (chunk < 1) {
            throw new IllegalStateException("PRESENCE_RETENTION_PRUNE_CHUNK must be at least 1, not " + chunk);
        }
        this.dataSource = dataSource;
        this.goneDays = goneDays;
        this.historyDays = Math.max(0, historyDays);
        this.chunk = chunk;
        this.clock = clock;
    }

    /**
     * Route step of the retention timer: the transitions older than the history's retention, then one pass over the
     * presence table; returns how many clients were forgotten.
     */
    public long pruneGone() throws SQLException {
        long history = pruneHistory();
        if (history > 0) {
            LOG.info("Deleted {} presence transitions recorded more than {} days ago", history, historyDays);
        }
        if (goneDays == 0) {
            return 0;
        }
        long cutoff = clock.getAsLong() - goneDays * 86_400_000L;
        long forgotten = 0;
        String after = "";
        while (true) {
            String from = after;
            Page page = Transactions.inTransaction(dataSource, c -> forgetPage(c, from, cutoff));
            forgotten += page.forgotten();
            if (page.last() == null) {
                return forgotten;
            }
            after = page.last();
        }
    }

    /** Deletes the transitions recorded more than historyDays ago, {@code chunk} per transaction; returns how many. */
    public long pruneHistory() throws SQLException {
        if (historyDays == 0) {
            return 0;
        }
        return Transactions.deleteInChunks(dataSource, PRUNE_HISTORY, historyDays, chunk);
    }

    /** One chunk: the last client id read (null at the end of the table) and how many were forgotten. */
    record Page(String last, int forgotten) {
    }

    private Page forgetPage(Connection c, String after, long cutoff) throws SQLException {
        List<String> gone = new ArrayList<>();
        TreeSet<String> users = new TreeSet<>();
        String last = null;
        int read = 0;
        try (PreparedStatement st = c.prepareStatement(PAGE)) {
            st.setString(1, after);
            st.setInt(2, chunk);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    read++;
                    last = rs.getString(1);
                    if (!rs.getBoolean(3) && rs.getLong(4) < cutoff) {
                        gone.add(last);
                        users.add(rs.getString(2));
                    }
                }
            }
        }
        int forgotten = 0;
        if (!gone.isEmpty()) {
            try (PreparedStatement st = c.prepareStatement(FORGET_SUBSCRIPTIONS.formatted(SqlLists.placeholders(gone.size())))) {
                SqlLists.bind(st, 1, gone);
                st.setLong(gone.size() + 1, cutoff);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement(FORGET_CLIENTS.formatted(SqlLists.placeholders(gone.size())))) {
                SqlLists.bind(st, 1, gone);
                st.setLong(gone.size() + 1, cutoff);
                forgotten = st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement(PresenceChangeMarks.forgetStatement(users.size()))) {
                SqlLists.bind(st, 1, new ArrayList<>(users));
                st.executeUpdate();
            }
        }
        return new Page(read < chunk ? null : last, forgotten);
    }
}
