package io.presencebroker.delivery;

import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.config.RouteBean;
import io.presencebroker.store.SqlLists;
import io.presencebroker.store.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent repository of deliveries, keyed by (messageId, recipient), in MySQL table {@code delivery_log}
 * (V2__delivery.sql). SQS delivers at least once, so the same outbox message may arrive twice, even at two consumers at
 * once; each recipient must still get it once. All statements work on a whole poll of messages at once.
 *
 * <ol>
 * <li>{@link #claim}: one multi-row INSERT ... ON DUPLICATE KEY UPDATE claims every recipient of the poll's messages
 * not claimed yet (or whose claim is older than the claim timeout: its consumer died), then one SELECT reads who holds
 * what. Recipients this poll now holds are delivered; recipients already delivered are skipped; a message some of
 * whose recipients another live claim holds, or whose row another consumer's release just deleted, is left for later
 * (its claims released).</li>
 * <li>{@link #keepAlive}: while the poll is worked on, its open claims are refreshed, a third of the timeout apart, so
 * that another consumer takes them over only once this one has really stopped.</li>
 * <li>{@link #record}: after the publishes and push requests, one transaction makes the claims final with their paths
 * (and inserts the receipts they now owe).</li>
 * <li>{@link #release}: the claims of messages that failed are deleted, so the redelivered message delivers them.</li>
 * </ol>
 * Every check-then-update is one statement; no value read earlier is written back.
 */
@RouteBean
public class DeliveryLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);

    static final String CLAIMED = "claimed";
    /**
     * Rows per multi-row statement: a poll of 10 messages of up to presence.delivery.max-recipients each stays within
     * the placeholders of a prepared statement (65,535) and the server's max_allowed_packet.
     */
    static final int ROWS_PER_STATEMENT = 500;

    /** What one claim found: per message the recipients the poll now holds; the messages another claim holds. */
    public record Claims(Map<String, List<String>> held, Set<String> elsewhere) {
    }

    private final DataSource dataSource;
    private final int claimTimeoutSeconds;
    private final FailurePolicy failures;
    private int retentionHours = Integer.MAX_VALUE;
    private int pruneChunk = 1000;
    /** Keeps the claims of the polls still working alive (a third of the claim timeout apart). */
    private final ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "delivery-claim-keeper");
        t.setDaemon(true);
        return t;
    });

    /** @param failures told of each committed poll: a poison message is one that fails while others commit */
    public DeliveryLog(DataSource dataSource, int claimTimeoutSeconds, FailurePolicy failures) {
        this.dataSource = dataSource;
        this.claimTimeoutSeconds = claimTimeoutSeconds;
        this.failures = failures;
    }

    /** What {@link #pruneExpired()} deletes: rows older than {@code hours}, {@code chunk} rows per statement. */
    public DeliveryLog retention(int hours, int chunk) {
        this.retentionHours = hours;
        this.pruneChunk = chunk;
        return this;
    }

    /** Route step of the retention timer: {@link #prune(int, int)} with the configured retention; returns how many. */
    public long pruneExpired() throws SQLException {
        return prune(retentionHours, pruneChunk);
    }

    /**
     * Claims the delivery keys of these messages for {@code claimId}, in one statement, and reads back who holds what.
     * A message appearing twice in the list is claimed once (the caller leaves the second copy). The claims of a
     * message held elsewhere are released at once.
     */
    public Claims claim(List<OutboxMessage> messages, String claimId) throws SQLException {
        Map<String, OutboxMessage> byId = new LinkedHashMap<>();
        int rows = 0;
        for (OutboxMessage m : messages) {
            if (byId.putIfAbsent(m.messageId(), m) == null) {
                rows += m.deliveryKeys().size();
            }
        }
        if (rows == 0) {
            return new Claims(Map.of(), Set.of());
        }
        List<String[]> keys = new ArrayList<>(rows);
        for (OutboxMessage m : byId.values()) {
            for (String r : m.deliveryKeys()) {
                keys.add(new String[] {m.messageId(), r});
            }
        }
        try (Connection c = dataSource.getConnection()) {
            for (List<String[]> part : SqlLists.chunks(keys, ROWS_PER_STATEMENT)) {
                // assignments run left to right: claim_id first, then the others compare against the new claim_id
                String insert = "INSERT INTO delivery_log (message_id, recipient, state, claim_id) VALUES "
                        + SqlLists.rows(part.size(), "(?, ?, 'claimed', ?)")
                        + " ON DUPLICATE KEY UPDATE claim_id = IF(state = 'claimed' AND updated_at < NOW(3) - INTERVAL ? SECOND, ?, claim_id),"
                        + " updated_at = IF(claim_id = ?, NOW(3), updated_at)";
                try (PreparedStatement st = c.prepareStatement(insert)) {
                    int p = 1;
                    for (String[] k : part) {
                        st.setString(p++, k[0]);
                        st.setString(p++, k[1]);
                        st.setString(p++, claimId);
                    }
                    st.setInt(p++, claimTimeoutSeconds);
                    st.setString(p++, claimId);
                    st.setString(p, claimId);
                    st.executeUpdate();
                }
            }
        }
        return readClaims(byId, claimId);
    }

    /**
     * The second half of {@link #claim}: who holds the keys of these messages now (one SELECT); the claims of a message
     * this claim does not wholly hold are released.
     */
    Claims readClaims(Map<String, OutboxMessage> byId, String claimId) throws SQLException {
        Map<String, Set<String>> keySets = new HashMap<>();
        byId.values().forEach(m -> keySets.put(m.messageId(), new HashSet<>(m.deliveryKeys())));
        Map<String, Set<String>> mine = new HashMap<>();
        Map<String, Set<String>> present = new HashMap<>();
        Set<String> elsewhere = new LinkedHashSet<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("SELECT message_id, recipient, state, claim_id FROM delivery_log"
                    + " WHERE message_id IN (" + SqlLists.placeholders(byId.size()) + ")")) {
                SqlLists.bind(st, 1, List.copyOf(byId.keySet()));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        OutboxMessage m = byId.get(rs.getString(1));
                        if (m == null || !keySets.get(m.messageId()).contains(rs.getString(2))) {
                            continue;
                        }
                        present.computeIfAbsent(m.messageId(), k -> new HashSet<>()).add(rs.getString(2));
                        if (!CLAIMED.equals(rs.getString(3))) {
                            continue; // delivered by an earlier delivery: skipped
                        }
                        if (claimId.equals(rs.getString(4))) {
                            mine.computeIfAbsent(m.messageId(), k -> new HashSet<>()).add(rs.getString(2));
                        } else {
                            elsewhere.add(m.messageId());
                        }
                    }
                }
            }
        }
        // a key with no row: another consumer's claim was released between the INSERT and the SELECT (it failed); its
        // message is left for later, never taken as delivered
        for (OutboxMessage m : byId.values()) {
            if (!present.getOrDefault(m.messageId(), Set.of()).containsAll(keySets.get(m.messageId()))) {
                elsewhere.add(m.messageId());
            }
        }
        if (!elsewhere.isEmpty()) {
            release(elsewhere, claimId);
        }
        Map<String, List<String>> held = new LinkedHashMap<>();
        for (OutboxMessage m : byId.values()) {
            if (!elsewhere.contains(m.messageId())) {
                Set<String> h = mine.getOrDefault(m.messageId(), Set.of());
                held.put(m.messageId(), m.deliveryKeys().stream().filter(h::contains).toList()); // in message order
            }
        }
        return new Claims(held, elsewhere);
    }

    /**
     * While a poll is worked on (a slow broker, many recipients) its open claims are refreshed, a third of the claim
     * timeout apart: another consumer takes them over only once this one has really stopped (died), not because the
     * work takes longer than the timeout. Closing the handle stops the refreshes.
     */
    public AutoCloseable keepAlive(Collection<String> messageIds, String claimId) {
        if (messageIds.isEmpty()) {
            return () -> { };
        }
        List<String> ids = List.copyOf(messageIds);
        long period = Math.max(200, claimTimeoutSeconds * 1000L / 3);
        ScheduledFuture<?> refreshing = keeper.scheduleWithFixedDelay(() -> refresh(ids, claimId), period, period,
                TimeUnit.MILLISECONDS);
        return () -> refreshing.cancel(false);
    }

    /**
     * Makes the claims of these deliveries final, each recipient with its path ({@link Delivery#paths()}), and has
     * {@code expect} insert the receipts they owe, in one transaction. A row no longer held by the delivery's claim
     * (taken over after a stall) is left as it is.
     */
    void record(List<Delivery> deliveries, ReceiptRows expect) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        for (Delivery d : deliveries) {
            d.paths().forEach((recipient, path) -> rows.add(new String[] {d.getMessage().messageId(), recipient,
                    d.claimId(), path}));
        }
        if (rows.isEmpty()) {
            return;
        }
        Transactions.inTransaction(dataSource, c -> {
            for (List<String[]> part : SqlLists.chunks(rows, ROWS_PER_STATEMENT)) {
                StringBuilder upsert = new StringBuilder("INSERT INTO delivery_log (message_id, recipient, state,"
                        + " claim_id, path) VALUES ").append(SqlLists.rows(part.size(), "(?, ?, 'delivered', ?, ?)"));
                // only a row this claim still holds changes; assignments run left to right, state last. (VALUES() is
                // the one form MySQL 8 and MariaDB both accept; MySQL 8.0.20+ calls it deprecated and runs it.) A row
                // that is gone (a taken-over claim released) is inserted delivered: this delivery did reach the
                // recipient.
                upsert.append(" ON DUPLICATE KEY UPDATE"
                        + " path = IF(state = 'claimed' AND claim_id = VALUES(claim_id), VALUES(path), path),"
                        + " updated_at = IF(state = 'claimed' AND claim_id = VALUES(claim_id), NOW(3), updated_at),"
                        + " state = IF(state = 'claimed' AND claim_id = VALUES(claim_id), 'delivered', state)");
                try (PreparedStatement st = c.prepareStatement(upsert.toString())) {
                    int p = 1;
                    for (String[] r : part) {
                        for (String v : r) {
                            st.setString(p++, v);
                        }
                    }
                    st.executeUpdate();
                }
            }
            expect.insert(c);
            return null;
        });
        failures.committed();
    }

    /** Inserts rows in the transaction of {@link #record}. */
    @FunctionalInterface
    interface ReceiptRows {
        void insert(Connection c) throws SQLException;
    }

    /** The open claims of {@code claimId} on these messages: their time starts again. */
    int refresh(Collection<String> messageIds, String claimId) {
        try {
            return onOpenClaims("UPDATE delivery_log SET updated_at = NOW(3)", messageIds, claimId);
        } catch (SQLException | RuntimeException e) {
            // the next refresh tries again (an exception here would end the schedule); the claim outlives a short
            // outage (a third of its timeout per try)
            LOG.warn("Refreshing the claims of {} messages failed: {}", messageIds.size(), e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        keeper.shutdownNow();
    }

    /** Deletes the open claims of {@code claimId} on these messages, for their redelivery. */
    int release(Collection<String> messageIds, String claimId) throws SQLException {
        return onOpenClaims("DELETE FROM delivery_log", messageIds, claimId);
    }

    /** {@code statement} (an UPDATE or DELETE of delivery_log) on the claims of {@code claimId} not yet delivered. */
    private int onOpenClaims(String statement, Collection<String> messageIds, String claimId) throws SQLException {
        if (messageIds.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(statement + " WHERE message_id IN ("
                     + SqlLists.placeholders(messageIds.size()) + ") AND claim_id = ? AND state = 'claimed'")) {
            SqlLists.bind(st, 1, List.copyOf(messageIds));
            st.setString(messageIds.size() + 1, claimId);
            return st.executeUpdate();
        }
    }

    /**
     * Deletes the rows last changed more than {@code retentionHours} ago, in chunks of {@code chunk} rows (short
     * statements, short locks), until none is left; returns how many. Safe from several instances at once. A row is
     * needed only while SQS may still deliver its message again, so the retention must be at least the outbox queue's
     * message retention period (the default, 14 days, is SQS's maximum).
     */
    public long prune(int retentionHours, int chunk) throws SQLException {
        // the receipts of those deliveries too, once settled (received or pushed)
        return prune("DELETE FROM delivery_log WHERE updated_at < NOW(3) - INTERVAL ? HOUR LIMIT ?", retentionHours, chunk)
                + prune("DELETE FROM delivery_receipt WHERE state IN ('received', 'pushed')"
                        + " AND updated_at < NOW(3) - INTERVAL ? HOUR LIMIT ?", retentionHours, chunk);
    }

    private long prune(String sql, int retentionHours, int chunk) throws SQLException {
        return Transactions.deleteInChunks(dataSource, sql, retentionHours, chunk);
    }
}
