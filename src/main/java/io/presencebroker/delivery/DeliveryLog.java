package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.camel.Exchange;

/**
 * The idempotent repository of deliveries, keyed by (messageId, recipient), in MySQL table {@code delivery_log}
 * (V2__delivery.sql). SQS delivers at least once, so the same outbox message may arrive twice, even at two consumers at
 * once; each recipient must still get it once.
 *
 * <ol>
 * <li>{@link #claim}: one multi-row INSERT ... ON DUPLICATE KEY UPDATE claims every recipient not claimed yet (or whose
 * claim is older than the claim timeout: its consumer died), then one SELECT reads who holds what. Recipients this
 * exchange now holds are delivered; recipients already delivered are skipped; recipients held by another live
 * claim make the exchange fail as transient ({@link DeliveryInProgressException}), so SQS brings it back later.</li>
 * <li>{@link #delivered}: after the MQTT publish or the push request succeeded, the claim becomes final.</li>
 * <li>{@link #release}: when the exchange ends, claims of this exchange not delivered (a failure) are deleted, so the
 * redelivered message delivers them. The exchange counts the claims it made final, so when that is all of them (the
 * usual case) the release costs no statement.</li>
 * </ol>
 * Every check-then-update is one statement; no value read earlier is written back.
 */
public class DeliveryLog {

    static final String CLAIMED = "claimed";
    /**
     * Exchange property: how many of this exchange's claims are made final so far. An {@link AtomicInteger} set by
     * {@link #countRecorded} before the claim, so that the copies of the exchange that split steps work on count into
     * the same one.
     */
    static final String RECORDED = "deliveryClaimsRecorded";
    static final String DELIVERED = "delivered";

    private final DataSource dataSource;
    private final int claimTimeoutSeconds;

    public DeliveryLog(DataSource dataSource, int claimTimeoutSeconds) {
        this.dataSource = dataSource;
        this.claimTimeoutSeconds = claimTimeoutSeconds;
    }

    /** The recipients this claim now holds, in message order; an exception if another live claim holds some. */
    public List<String> claim(OutboxMessage message, String claimId) throws SQLException {
        List<String> recipients = message.recipients();
        if (recipients.isEmpty()) {
            return List.of();
        }
        StringBuilder insert = new StringBuilder(
                "INSERT INTO delivery_log (message_id, recipient, state, claim_id) VALUES ");
        for (int i = 0; i < recipients.size(); i++) {
            insert.append(i == 0 ? "" : ", ").append("(?, ?, 'claimed', ?)");
        }
        // assignments run left to right: claim_id first, then the others compare against the new claim_id
        insert.append(" ON DUPLICATE KEY UPDATE claim_id = IF(state = 'claimed' AND updated_at < NOW(3) - INTERVAL ? SECOND, ?, claim_id),"
                + " updated_at = IF(claim_id = ?, NOW(3), updated_at)");
        List<String> mine = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement(insert.toString())) {
                int p = 1;
                for (String r : recipients) {
                    st.setString(p++, message.messageId());
                    st.setString(p++, r);
                    st.setString(p++, claimId);
                }
                st.setInt(p++, claimTimeoutSeconds);
                st.setString(p++, claimId);
                st.setString(p, claimId);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("SELECT recipient, state, claim_id FROM delivery_log"
                    + " WHERE message_id = ? AND recipient IN (" + placeholders(recipients.size()) + ")")) {
                st.setString(1, message.messageId());
                for (int i = 0; i < recipients.size(); i++) {
                    st.setString(i + 2, recipients.get(i));
                }
                List<String> held = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        if (CLAIMED.equals(rs.getString(2))) {
                            (claimId.equals(rs.getString(3)) ? held : elsewhere).add(rs.getString(1));
                        }
                    }
                }
                for (String r : recipients) {
                    if (held.contains(r)) {
                        mine.add(r);
                    }
                }
            }
        }
        if (!elsewhere.isEmpty()) {
            release(message.messageId(), claimId);
            throw new DeliveryInProgressException("message " + message.messageId() + " is being delivered by another"
                    + " consumer to " + elsewhere.size() + " recipient(s); retried later");
        }
        return mine;
    }

    /** Route step before {@link #claim}: from here on, {@link #delivered} counts the claims it makes final. */
    public void countRecorded(Exchange exchange) {
        exchange.setProperty(RECORDED, new AtomicInteger());
    }

    /** Makes the claims of these recipients final: a redelivered message skips them. */
    public void delivered(String messageId, Collection<String> recipients, String path, String claimId, Exchange exchange)
            throws SQLException {
        if (recipients.isEmpty()) {
            return;
        }
        int updated;
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("UPDATE delivery_log SET state = 'delivered', path = ?,"
                     + " updated_at = NOW(3) WHERE message_id = ? AND claim_id = ? AND recipient IN ("
                     + placeholders(recipients.size()) + ")")) {
            st.setString(1, path);
            st.setString(2, messageId);
            st.setString(3, claimId);
            int p = 4;
            for (String r : recipients) {
                st.setString(p++, r);
            }
            updated = st.executeUpdate();
        }
        AtomicInteger recorded = exchange.getProperty(RECORDED, AtomicInteger.class);
        if (recorded != null) {
            recorded.addAndGet(updated);
        }
    }

    /** As {@link #delivered}, for one batch of push requests (path push or fallback). */
    public void deliveredPushes(String messageId, List<DeliveryPlan.PushDelivery> batch, String claimId, Exchange exchange)
            throws SQLException {
        for (String path : List.of(DeliveryPlan.PUSH, DeliveryPlan.FALLBACK)) {
            delivered(messageId, batch.stream().filter(p -> p.path().equals(path))
                    .map(DeliveryPlan.PushDelivery::recipient).toList(), path, claimId, exchange);
        }
    }

    /**
     * Deletes the claims of this exchange that were not delivered; no statement when the exchange made all the claims
     * it holds ({@code claimed}, the result of {@link #claim}; null when the claim did not return) final.
     */
    public int release(String messageId, String claimId, List<String> claimed, Exchange exchange) throws SQLException {
        AtomicInteger recorded = exchange.getProperty(RECORDED, AtomicInteger.class);
        if (messageId == null // not parsed: nothing claimed
                || claimed != null && recorded != null && recorded.get() >= claimed.size()) {
            return 0;
        }
        return release(messageId, claimId);
    }

    int release(String messageId, String claimId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("DELETE FROM delivery_log WHERE message_id = ? AND claim_id = ?"
                     + " AND state = 'claimed'")) {
            st.setString(1, messageId);
            st.setString(2, claimId);
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
        long total = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("DELETE FROM delivery_log WHERE updated_at < NOW(3) - INTERVAL ?"
                     + " HOUR LIMIT ?")) {
            st.setInt(1, retentionHours);
            st.setInt(2, chunk);
            int deleted;
            do {
                deleted = st.executeUpdate();
                total += deleted;
            } while (deleted == chunk);
        }
        return total;
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
