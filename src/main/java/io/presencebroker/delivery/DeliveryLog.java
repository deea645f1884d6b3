package io.presencebroker.delivery;

import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.store.SqlLists;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent repository of deliveries, keyed by (messageId, recipient), in MySQL table {@code delivery_log}
 * (V2__delivery.sql). SQS delivers at least once, so the same outbox message may arrive twice, even at two consumers at
 * once; each recipient must still get it once.
 *
 * <ol>
 * <li>{@link #claim(Exchange)}: one multi-row INSERT ... ON DUPLICATE KEY UPDATE claims every recipient not claimed yet (or whose
 * claim is older than the claim timeout: its consumer died), then one SELECT reads who holds what. Recipients this
 * exchange now holds are delivered; recipients already delivered are skipped; recipients held by another live
 * claim make the exchange fail as transient ({@link DeliveryInProgressException}), so SQS brings it back later.</li>
 * <li>{@link #delivered}: after the MQTT publish or the push request succeeded, the claim becomes final.</li>
 * <li>when the exchange ends, claims of this exchange not delivered (a failure) are deleted, so the redelivered
 * message delivers them. The {@link Delivery} knows which claims it made final, so when that is all of them (the
 * usual case) this costs no statement.</li>
 * </ol>
 * Every check-then-update is one statement; no value read earlier is written back.
 */
public class DeliveryLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);

    static final String CLAIMED = "claimed";

    private final DataSource dataSource;
    private final int claimTimeoutSeconds;
    private final DeliveryMessages metrics;
    private final FailurePolicy failures;
    private int retentionHours = Integer.MAX_VALUE;
    private int pruneChunk = 1000;
    private PresenceFreshness freshness;
    /** Keeps the claims of the exchanges still working alive (a third of the claim timeout apart). */
    private final ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "delivery-claim-keeper");
        t.setDaemon(true);
        return t;
    });

    /** @param failures told of each committed delivery: a poison message is one that fails while others commit */
    public DeliveryLog(DataSource dataSource, int claimTimeoutSeconds, DeliveryMessages metrics, FailurePolicy failures) {
        this.dataSource = dataSource;
        this.claimTimeoutSeconds = claimTimeoutSeconds;
        this.metrics = metrics;
        this.failures = failures;
    }

    /** What {@link #pruneExpired()} deletes: rows older than {@code hours}, {@code chunk} rows per statement. */
    public DeliveryLog retention(int hours, int chunk) {
        this.retentionHours = hours;
        this.pruneChunk = chunk;
        return this;
    }

    /** What the claim asks before the decision trusts a "connected"; without it, always trusted. */
    public DeliveryLog freshness(PresenceFreshness freshness) {
        this.freshness = freshness;
        return this;
    }

    /** Route step of the retention timer: {@link #prune(int, int)} with the configured retention; returns how many. */
    public long pruneExpired() throws SQLException {
        return prune(retentionHours, pruneChunk);
    }

    /**
     * Route step (body: the {@link OutboxMessage}): claims its recipients; the body becomes the {@link Delivery} of
     * those this exchange now holds (recipients already reached by an earlier delivery are skipped), each with its
     * socket status, read in one query. Whatever happens next, the claims this exchange does not make final are
     * released when it ends, for the redelivery.
     */
    public Delivery claim(Exchange exchange) throws SQLException {
        OutboxMessage message = exchange.getIn().getBody(OutboxMessage.class);
        String claimId = exchange.getExchangeId();
        List<String> claimed = claim(message, claimId);
        metrics.countDuplicates(message, claimed);
        boolean fresh = freshness == null || freshness.trusted();
        Delivery delivery = new Delivery(message, claimId,
                claimed.isEmpty() ? List.of() : DeliverySql.statuses(dataSource, message, claimed), fresh);
        // while this exchange works (a slow broker, many recipients), its claims are refreshed: another consumer takes
        // them over only once this one has really stopped (died), not because the work takes longer than the timeout
        long period = Math.max(200, claimTimeoutSeconds * 1000L / 3);
        ScheduledFuture<?> keepAlive = claimed.isEmpty() ? null : keeper.scheduleWithFixedDelay(
                () -> refresh(message.messageId(), claimId), period, period, TimeUnit.MILLISECONDS);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                if (keepAlive != null) {
                    keepAlive.cancel(false);
                }
                if (!delivery.allRecorded()) {
                    try {
                        release(message.messageId(), claimId);
                    } catch (SQLException e) {
                        // the claim times out instead (presence.delivery.claim-timeout-seconds)
                        LOG.warn("Releasing the claims of message {} failed; they expire after the claim timeout: {}",
                                message.messageId(), e.getMessage());
                    }
                }
            }
        });
        return delivery;
    }

    /** The recipients this claim now holds, in message order; an exception if another live claim holds some. */
    public List<String> claim(OutboxMessage message, String claimId) throws SQLException {
        List<String> recipients = message.deliveryKeys();
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
                    + " WHERE message_id = ? AND recipient IN (" + SqlLists.placeholders(recipients.size()) + ")")) {
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

    /** Makes the claims of these recipients final: a redelivered message skips them. */
    void delivered(Delivery delivery, List<String> recipients, String path) throws SQLException {
        if (recipients.isEmpty()) {
            return;
        }
        String messageId = delivery.getMessage().messageId();
        String claimId = delivery.claimId();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("UPDATE delivery_log SET state = 'delivered', path = ?,"
                     + " updated_at = NOW(3) WHERE message_id = ? AND claim_id = ? AND recipient IN ("
                     + SqlLists.placeholders(recipients.size()) + ")")) {
            st.setString(1, path);
            st.setString(2, messageId);
            st.setString(3, claimId);
            int p = 4;
            for (String r : recipients) {
                st.setString(p++, r);
            }
            st.executeUpdate();
        }
        failures.committed();
        delivery.recorded(recipients);
    }

    /** As {@link #delivered}, for one batch of push requests (path push, fallback or stale). */
    void deliveredPushes(Delivery delivery, List<Delivery.PushRequest> batch) throws SQLException {
        for (String path : List.of(Delivery.PUSH, Delivery.FALLBACK, Delivery.STALE)) {
            delivered(delivery, batch.stream().filter(p -> p.path().equals(path))
                    .map(Delivery.PushRequest::recipient).toList(), path);
        }
    }

    /** The claims of {@code claimId} still open: their time starts again. */
    int refresh(String messageId, String claimId) {
        try {
            return onOpenClaims("UPDATE delivery_log SET updated_at = NOW(3)", messageId, claimId);
        } catch (SQLException | RuntimeException e) {
            // the next refresh tries again (an exception here would end the schedule); the claim outlives a short
            // outage (a third of its timeout per try)
            LOG.warn("Refreshing the claims of message {} failed: {}", messageId, e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        keeper.shutdownNow();
    }

    int release(String messageId, String claimId) throws SQLException {
        return onOpenClaims("DELETE FROM delivery_log", messageId, claimId);
    }

    /** {@code statement} (an UPDATE or DELETE of delivery_log) on the claims of {@code claimId} not yet delivered. */
    private int onOpenClaims(String statement, String messageId, String claimId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(statement
                     + " WHERE message_id = ? AND claim_id = ? AND state = 'claimed'")) {
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
        // the receipts of those deliveries too, once settled (received or pushed)
        return prune("DELETE FROM delivery_log WHERE updated_at < NOW(3) - INTERVAL ? HOUR LIMIT ?", retentionHours, chunk)
                + prune("DELETE FROM delivery_receipt WHERE state IN ('received', 'pushed')"
                        + " AND updated_at < NOW(3) - INTERVAL ? HOUR LIMIT ?", retentionHours, chunk);
    }

    private long prune(String sql, int retentionHours, int chunk) throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
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
}
