package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.config.RouteBean;
import io.presencebroker.store.SqlLists;
import io.presencebroker.store.Transactions;
import org.apache.camel.Exchange;

/**
 * The two steps of routes/presence-announcements.yaml around the send (docs/announcements.md):
 * <ul>
 * <li>{@link #claimDue}: first the users whose presence changed are compared with their rows
 * ({@link PresenceChanges#resolve}), then the announcements whose time has come, of users without a change still to
 * compare, claimed for this instance in a short transaction
 * ({@code FOR UPDATE SKIP LOCKED}: several instances never take the same row). A claim lasts
 * presence.announcements.claim-seconds; one that ran out (the instance died while sending) is sent again by whoever
 * takes it next: at least once.</li>
 * <li>{@link #announced}: after every announcement of the claim was sent, each becomes the user's announced state, and
 * the user's next pending announcement, if any, becomes due. One user has at most one announcement in flight, so they
 * leave in order per user.</li>
 * </ul>
 */
@RouteBean
public class PresenceAnnouncer {

    private static final String DUE = """
            SELECT user_id, sending_online, sending_at, sending_clients, pending_online, pending_at, pending_clients,
                   COALESCE(sending_sequence, GREATEST(sequence, 1)), sequence
              FROM presence_announcement
             WHERE due_at <= NOW(3) AND marked_at IS NULL
             ORDER BY due_at
             LIMIT ?
               FOR UPDATE SKIP LOCKED""";
    /**
     * The claim of new announcements, one statement for all of them: the pending state becomes the one being sent,
     * under the user's next sequence number: one more than the last, and at least the claim's time in milliseconds, so
     * that the numbers still increase for a user whose row retention deleted and who came back (the right-hand sides
     * read the row as it was: the same under MySQL's left-to-right assignment and under MariaDB's
     * SIMULTANEOUS_ASSIGNMENT). Parameters: the time floor twice, claim, lease (µs), then the users.
     */
    private static final String CLAIM = """
            UPDATE presence_announcement
               SET sending_online = pending_online, sending_at = pending_at, sending_clients = pending_clients,
                   sending_sequence = GREATEST(sequence + 1, ?), sequence = GREATEST(sequence + 1, ?),
                   pending_online = NULL, pending_at = NULL, pending_clients = NULL, pending_due = NULL,
                   claim_id = ?, due_at = TIMESTAMPADD(MICROSECOND, ?, NOW(3))
             WHERE user_id IN (%s)""";
    /** Claims that ran out: sent again under a new claim, the pending state (if any) stays pending. */
    private static final String RECLAIM = """
            UPDATE presence_announcement SET claim_id = ?, due_at = TIMESTAMPADD(MICROSECOND, ?, NOW(3))
             WHERE user_id IN (%s)""";
    /**
     * A claim sent: what was being sent is what subscribers have, and the user's next pending state (if any) is due
     * at its time. Only rows still under this claim (one that ran out and was taken again is not ours to record).
     * Parameters: claim, then the users.
     */
    private static final String ANNOUNCED = """
            UPDATE presence_announcement
               SET announced_online = sending_online, sending_online = NULL, sending_at = NULL, sending_clients = NULL,
                   sending_sequence = NULL, claim_id = NULL, due_at = pending_due
             WHERE claim_id = ? AND user_id IN (%s)""";

    private final DataSource dataSource;
    private final PresenceChanges changes;
    private final int batchSize;
    private final int resolveBatchSize;
    private final long claimMicros;
    /**
     * presence_announcement_claim_size: the announcements of each look that found any (a mean near 1 under a steady
     * load means the flow looks far more often than its poll interval).
     */
    private final DistributionSummary claimSize;
    /** presence_announcement_looks_total: looks for due announcements, each one short transaction. */
    private final Counter looks;
    /** presence_announcements_total: announcements sent and recorded as announced. */
    private final Counter recorded;

    /**
     * @param batchSize        presence.announcements.batch-size: announcements claimed per look
     * @param resolveBatchSize presence.announcements.resolve-batch-size: users whose presence changed, compared per look
     */
    public PresenceAnnouncer(DataSource dataSource, PresenceChanges changes, int batchSize, int resolveBatchSize,
                             int claimSeconds, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.changes = changes;
        this.batchSize = batchSize;
        this.resolveBatchSize = resolveBatchSize;
        this.claimMicros = claimSeconds * 1_000_000L;
        this.claimSize = DistributionSummary.builder("presence_announcement_claim_size")
                .description("Announcements claimed by each look that found any due").register(meters);
        this.looks = Counter.builder("presence_announcement_looks")
                .description("Looks for due announcements: one per poll interval, more only after full batches")
                .register(meters);
        this.recorded = Counter.builder("presence_announcements")
                .description("Announcements sent and recorded as announced").register(meters);
    }

    /**
     * Route step: the due announcements, claimed (empty when none is due). A full batch of either kind tells the greedy
     * scheduler to look again at once, anything less to wait for its delay.
     */
    public List<PresenceAnnouncement> claimDue(Exchange exchange) throws SQLException {
        Claim claim = claimDue();
        looks.increment();
        if (!claim.due().isEmpty()) {
            claimSize.record(claim.due().size());
        }
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES,
                claim.due().size() >= batchSize || claim.resolved() >= resolveBatchSize);
        return claim.due();
    }

    /** A look: the users whose changes were compared, and the announcements claimed. */
    record Claim(int resolved, List<PresenceAnnouncement> due) {
    }

    /** One transaction, one commit: the comparisons and the claim. */
    Claim claimDue() throws SQLException {
        String claim = UUID.randomUUID().toString();
        long floor = System.currentTimeMillis();
        return Transactions.inTransaction(dataSource, c -> {
            int resolved = changes.resolve(c, resolveBatchSize);
            List<PresenceAnnouncement> due = new ArrayList<>();
            List<String> taken = new ArrayList<>();
            List<String> retaken = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(DUE)) {
                select.setInt(1, batchSize);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        String user = rs.getString(1);
                        boolean resend = rs.getObject(2) != null;
                        int column = resend ? 2 : 5;
                        if (rs.getObject(column) == null) {
                            continue; // nothing pending (cannot happen: due_at is cleared with the pending state)
                        }
                        // a resend keeps the number of the announcement it repeats; a new one takes the next
                        due.add(new PresenceAnnouncement(user, rs.getBoolean(column), rs.getLong(column + 1),
                                rs.getInt(column + 2), resend ? rs.getLong(8) : Math.max(rs.getLong(9) + 1, floor),
                                claim));
                        (resend ? retaken : taken).add(user);
                    }
                }
            }
            // one statement per kind for the whole claim: the rows are locked by the select above
            claim(c, CLAIM, List.of(floor, floor), claim, taken);
            claim(c, RECLAIM, List.of(), claim, retaken);
            return new Claim(resolved, due);
        });
    }

    private void claim(Connection c, String sql, List<Long> first, String claim, List<String> users) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(sql.formatted(SqlLists.placeholders(users.size())))) {
            int p = 1;
            for (long value : first) {
                st.setLong(p++, value);
            }
            st.setString(p++, claim);
            st.setLong(p++, claimMicros);
            SqlLists.bind(st, p, users);
            st.executeUpdate();
        }
    }

    /**
     * Route step, after the send: these announcements, all of one claim (what {@link #claimDue} returned), are what
     * their users' subscribers now have.
     */
    public void announced(List<PresenceAnnouncement> sent) throws SQLException {
        if (sent.isEmpty()) {
            return;
        }
        List<String> users = sent.stream().map(PresenceAnnouncement::getUserId).toList();
        // one statement and one transaction (one durable commit) for the claim, not one per row
        int rows = Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement st = c.prepareStatement(ANNOUNCED.formatted(SqlLists.placeholders(users.size())))) {
                st.setString(1, sent.get(0).getClaimId());
                SqlLists.bind(st, 2, users);
                return st.executeUpdate();
            }
        });
        recorded.increment(rows);
    }
}
