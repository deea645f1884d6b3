package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.store.SqlLists;

/**
 * Applies the row updates of a poll to MySQL in one transaction, in one or two round trips: a single multi-statement
 * text (the pool has {@code allowMultiQueries}) that opens the transaction, inserts the placeholders of rows that may
 * not exist yet, runs one conditional UPDATE per row change ({@link PresenceSql}) and commits; with announcements on,
 * the commit goes in a second text together with the marks of the users whose clients changed, which the first text's
 * counts tell. No autocommit toggles: the connection stays in autocommit mode and the text says where the transaction
 * begins and ends. Row changes go in key order, the presence table before the subscriptions and the marks last, so
 * concurrent transactions lock rows in one order. A text that fails part way is rolled back ({@code ROLLBACK}) before
 * the connection goes back to the pool.
 */
public class PresenceWriter {

    // the statements as sent: one line each (the text of a poll repeats them, and every byte is encrypted on the way)
    private static final String UPDATE_PRESENCE = compact(PresenceSql.UPDATE_PRESENCE);

    private static final String UPDATE_SUBSCRIPTION = compact(PresenceSql.UPDATE_SUBSCRIPTION);
    private static final String INSERT_PRESENCE_PLACEHOLDERS = compact(PresenceSql.INSERT_PRESENCE_PLACEHOLDERS);
    private static final String INSERT_SUBSCRIPTION_PLACEHOLDERS = compact(PresenceSql.INSERT_SUBSCRIPTION_PLACEHOLDERS);

    /** The key of the probe row of {@link #statementProblem()} (never committed). */
    static final String PROBE_ID = "presence-broker-probe";

    private final DataSource dataSource;
    private final long resetGapMillis;
    private final PresenceChangeMarks marks;
    private final boolean history;

    public PresenceWriter(DataSource dataSource, long resetGapMillis, PresenceChangeMarks marks) {
        this(dataSource, resetGapMillis, marks, false);
    }

    /** @param history presence.history.enabled: each applied transition a row of client_presence_history */
    public PresenceWriter(DataSource dataSource, long resetGapMillis, PresenceChangeMarks marks, boolean history) {
        this.dataSource = dataSource;
        this.resetGapMillis = resetGapMillis;
        this.marks = marks;
        this.history = history;
    }

    /** Applies the updates in one transaction; element i tells whether update i changed its row. */
    public boolean[] apply(List<RowUpdate> updates) throws SQLException {
        return run(updates, true);
    }

    /** The same statements in a transaction that is rolled back (the warm-up): nothing changes. */
    public void rehearse(List<RowUpdate> updates) throws SQLException {
        run(updates, false);
    }

    /**
     * Runs the statements of an update on a probe row in a transaction that is rolled back: null when the database
     * would take them (reachable, writable, privileges, tables and columns as this version expects), else what is
     * wrong. The circuit breaker's probe: a consumer suspended by an environment fault resumes only once it is gone.
     */
    public String statementProblem() {
        List<RowUpdate> probe = List.of(
                new RowUpdate.Presence(PROBE_ID, PROBE_ID, true, 0, 0, PROBE_ID, null),
                new RowUpdate.Subscription(PROBE_ID, PROBE_ID, PROBE_ID, true, 0, PROBE_ID));
        try {
            run(probe, false);
            return null;
        } catch (SQLException e) {
            return "the database refuses the service's statements (error " + e.getErrorCode() + "): " + e.getMessage();
        }
    }

    private boolean[] run(List<RowUpdate> updates, boolean commit) throws SQLException {
        boolean[] applied = new boolean[updates.size()];
        if (updates.isEmpty()) {
            return applied;
        }
        List<Integer> presence = new ArrayList<>();
        List<Integer> subscriptions = new ArrayList<>();
        List<Integer> order = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> updates.get(i).key()));
        for (int i : order) {
            (updates.get(i) instanceof RowUpdate.Presence ? presence : subscriptions).add(i);
        }
        // a placeholder for every row change (one that repeats a row is a no-op): the text's shape is then just
        // (presence changes, chat changes), so the driver parses each shape once and keeps it (prepStmtCacheSqlLimit)
        // with announcements on the marks depend on the counts: the commit goes with them, in a second text
        // so do the history rows of the transitions, which the counts tell too
        boolean commitNow = commit && !marks.enabled() && !history;

        StringBuilder sql = new StringBuilder("START TRANSACTION");
        if (!presence.isEmpty()) {
            sql.append(";").append(INSERT_PRESENCE_PLACEHOLDERS.formatted(
                    String.join(", ", Collections.nCopies(presence.size(), PresenceSql.PRESENCE_PLACEHOLDER))));
        }
        if (!subscriptions.isEmpty()) {
            sql.append(";").append(INSERT_SUBSCRIPTION_PLACEHOLDERS.formatted(
                    String.join(", ", Collections.nCopies(subscriptions.size(), PresenceSql.SUBSCRIPTION_PLACEHOLDER))));
        }
        for (int i = 0; i < presence.size(); i++) {
            sql.append(";").append(UPDATE_PRESENCE);
        }
        for (int i = 0; i < subscriptions.size(); i++) {
            sql.append(";").append(UPDATE_SUBSCRIPTION);
        }
        if (commitNow) {
            sql.append(";COMMIT");
        }

        try (Connection c = dataSource.getConnection()) {
            boolean open = true;
            try {
                try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (int i : presence) {
                        RowUpdate.Presence row = (RowUpdate.Presence) updates.get(i);
                        st.setString(p++, row.clientId());
                        st.setString(p++, row.userId());
                    }
                    for (int i : subscriptions) {
                        RowUpdate.Subscription row = (RowUpdate.Subscription) updates.get(i);
                        st.setString(p++, row.clientId());
                        st.setString(p++, row.chatId());
                        st.setString(p++, row.topic());
                    }
                    for (int i : presence) {
                        p = bindPresence(st, p, (RowUpdate.Presence) updates.get(i));
                    }
                    for (int i : subscriptions) {
                        p = bindSubscription(st, p, (RowUpdate.Subscription) updates.get(i));
                    }
                    List<Integer> counts = execute(st);
                    // START TRANSACTION, the placeholder inserts, then one count per update
                    int k = 1 + (presence.isEmpty() ? 0 : 1) + (subscriptions.isEmpty() ? 0 : 1);
                    for (int i : presence) {
                        applied[i] = counts.get(k++) > 0;
                    }
                    for (int i : subscriptions) {
                        applied[i] = counts.get(k++) > 0;
                    }
                }
                if (commitNow) {
                    open = false;
                } else if (commit) {
                    finish(c, transitions(updates, presence, applied));
                    open = false;
                }
                return applied;
            } finally {
                if (open) {
                    rollback(c);
                }
            }
        }
    }

    /**
     * The marks of the users whose clients' presence changed (announcements on), the history rows of the transitions
     * (history on), and the commit: one round trip.
     */
    private void finish(Connection c, List<RowUpdate.Presence> transitions) throws SQLException {
        // the users whose clients changed, in one order: no waits in a cycle
        List<String> users = !marks.enabled() ? List.of()
                : List.copyOf(transitions.stream().map(RowUpdate.Presence::userId).collect(Collectors.toCollection(TreeSet::new)));
        List<RowUpdate.Presence> rows = history ? transitions : List.of();
        StringBuilder sql = new StringBuilder();
        if (!users.isEmpty()) {
            sql.append(marks.markStatement(users.size())).append(";");
        }
        if (!rows.isEmpty()) {
            sql.append(PresenceSql.INSERT_HISTORY.formatted(SqlLists.rows(rows.size(), PresenceSql.HISTORY_ROW))).append(";");
        }
        sql.append("COMMIT");
        try (PreparedStatement st = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (String user : users) {
                st.setString(p++, user);
            }
            for (RowUpdate.Presence row : rows) {
                p = bindHistory(st, p, row);
            }
            execute(st);
        }
    }

    private static List<RowUpdate.Presence> transitions(List<RowUpdate> updates, List<Integer> presence, boolean[] applied) {
        List<RowUpdate.Presence> rows = new ArrayList<>();
        for (int i : presence) {
            if (applied[i]) {
                rows.add((RowUpdate.Presence) updates.get(i));
            }
        }
        return rows;
    }

    private static String compact(String sql) {
        return sql.strip().replaceAll("\\s+", " ").replace("( ", "(").replace(" )", ")");
    }

    private static void rollback(Connection c) throws SQLException {
        if (!c.isClosed()) {
            try (Statement st = c.createStatement()) {
                st.execute("ROLLBACK");
            }
        }
    }

    /** Runs a multi-statement text; the update count of each statement, in order (0 for one with a result set). */
    private static List<Integer> execute(PreparedStatement st) throws SQLException {
        List<Integer> counts = new ArrayList<>();
        boolean resultSet = st.execute();
        while (true) {
            if (resultSet) {
                st.getResultSet().close();
                counts.add(0);
            } else {
                int count = st.getUpdateCount();
                if (count == -1) {
                    return counts;
                }
                counts.add(count);
            }
            resultSet = st.getMoreResults();
        }
    }

    private static int bindHistory(PreparedStatement ps, int p, RowUpdate.Presence u) throws SQLException {
        ps.setString(p++, u.clientId());
        ps.setString(p++, u.userId());
        ps.setBoolean(p++, u.connected());
        ps.setLong(p++, u.timestamp());
        ps.setLong(p++, u.versionNumber());
        ps.setString(p++, u.sessionId());
        ps.setString(p++, u.disconnectReason());
        ps.setBoolean(p++, u.repaired());
        return p;
    }

    private int bindPresence(PreparedStatement ps, int p, RowUpdate.Presence u) throws SQLException {
        ps.setString(p++, u.userId());
        ps.setBoolean(p++, u.connected());
        ps.setLong(p++, u.versionNumber());
        ps.setInt(p++, u.rank());
        ps.setLong(p++, u.timestamp());
        ps.setString(p++, u.sessionId());
        ps.setString(p++, u.disconnectReason());
        ps.setString(p++, u.clientId());
        ps.setLong(p++, u.timestamp());
        ps.setLong(p++, resetGapMillis);
        ps.setLong(p++, u.timestamp());
        ps.setLong(p++, u.versionNumber());
        ps.setInt(p++, u.rank());
        ps.setLong(p++, u.timestamp());
        ps.setString(p++, u.sessionId());
        return p;
    }

    private static int bindSubscription(PreparedStatement ps, int p, RowUpdate.Subscription s) throws SQLException {
        ps.setString(p++, s.topic());
        ps.setBoolean(p++, s.subscribed());
        ps.setInt(p++, s.rank());
        ps.setLong(p++, s.timestamp());
        ps.setString(p++, s.sessionId());
        ps.setString(p++, s.clientId());
        ps.setString(p++, s.chatId());
        ps.setLong(p++, s.timestamp());
        ps.setInt(p++, s.rank());
        ps.setString(p++, s.sessionId());
        ps.setString(p++, s.topic());
        return p;
    }
}
