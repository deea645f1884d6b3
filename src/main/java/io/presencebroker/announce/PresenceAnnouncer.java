package io.presencebroker.announce;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.presencebroker.store.Transactions;
import org.apache.camel.Exchange;

/**
 * The two steps of routes/presence-announcements.yaml around the send (docs/announcements.md):
 * <ul>
 * <li>{@link #claimDue}: the announcements whose time has come, claimed for this instance in a short transaction
 * ({@code FOR UPDATE SKIP LOCKED}: several instances never take the same row). A claim lasts
 * presence.announcements.claim-seconds; one that ran out (the instance died while sending) is sent again by whoever
 * takes it next: at least once.</li>
 * <li>{@link #announced}: after every announcement of the claim was sent, each becomes the user's announced state, and
 * the user's next pending announcement, if any, becomes due. One user has at most one announcement in flight, so they
 * leave in order per user.</li>
 * </ul>
 */
public class PresenceAnnouncer {

    private static final String DUE = """
            SELECT user_id, sending_online, sending_at, sending_clients, pending_online, pending_at, pending_clients
              FROM presence_announcement
             WHERE due_at <= NOW(3)
             ORDER BY due_at
             LIMIT ?
               FOR UPDATE SKIP LOCKED""";
    /** Parameters: online, at, clients, claim, lease (µs), user. */
    private static final String CLAIM = """
            UPDATE presence_announcement
               SET sending_online = ?, sending_at = ?, sending_clients = ?,
                   pending_online = NULL, pending_at = NULL, pending_clients = NULL, pending_due = NULL,
                   claim_id = ?, due_at = TIMESTAMPADD(MICROSECOND, ?, NOW(3))
             WHERE user_id = ?""";
    /** A claim that ran out: sent again under a new claim, the pending state (if any) stays pending. */
    private static final String RECLAIM = """
            UPDATE presence_announcement SET claim_id = ?, due_at = TIMESTAMPADD(MICROSECOND, ?, NOW(3))
             WHERE user_id = ?""";
    private static final String ANNOUNCED = """
            UPDATE presence_announcement
               SET announced_online = ?, sending_online = NULL, sending_at = NULL, sending_clients = NULL,
                   claim_id = NULL, due_at = pending_due
             WHERE user_id = ? AND claim_id = ?""";

    private final DataSource dataSource;
    private final int batchSize;
    private final long claimMicros;

    public PresenceAnnouncer(DataSource dataSource, int batchSize, int claimSeconds) {
        this.dataSource = dataSource;
        this.batchSize = batchSize;
        this.claimMicros = claimSeconds * 1_000_000L;
    }

    /**
     * Route step: the due announcements, claimed (empty when none is due). A full batch tells the greedy scheduler to
     * look again at once, anything less to wait for its delay.
     */
    public List<PresenceAnnouncement> claimDue(Exchange exchange) throws SQLException {
        List<PresenceAnnouncement> due = claimDue();
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, due.size() >= batchSize);
        return due;
    }

    List<PresenceAnnouncement> claimDue() throws SQLException {
        String claim = UUID.randomUUID().toString();
        return Transactions.inTransaction(dataSource, c -> {
            List<PresenceAnnouncement> due = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(DUE);
                 PreparedStatement take = c.prepareStatement(CLAIM);
                 PreparedStatement retake = c.prepareStatement(RECLAIM)) {
                select.setInt(1, batchSize);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        String user = rs.getString(1);
                        boolean resend = rs.getObject(2) != null;
                        int column = resend ? 2 : 5;
                        if (rs.getObject(column) == null) {
                            continue; // nothing pending (cannot happen: due_at is cleared with the pending state)
                        }
                        PresenceAnnouncement a = new PresenceAnnouncement(user, rs.getBoolean(column),
                                rs.getLong(column + 1), rs.getInt(column + 2), claim);
                        due.add(a);
                        if (resend) {
                            retake.setString(1, claim);
                            retake.setLong(2, claimMicros);
                            retake.setString(3, user);
                            retake.addBatch();
                        } else {
                            take.setBoolean(1, a.isOnline());
                            take.setLong(2, a.getAt());
                            take.setInt(3, a.getClientsOnline());
                            take.setString(4, claim);
                            take.setLong(5, claimMicros);
                            take.setString(6, user);
                            take.addBatch();
                        }
                    }
                }
                take.executeBatch();
                retake.executeBatch();
            }
            return due;
        });
    }

    /** Route step, after the send: these announcements are what their users' subscribers now have. */
    public void announced(List<PresenceAnnouncement> sent) throws SQLException {
        if (sent.isEmpty()) {
            return;
        }
        // one transaction: one commit (one log flush on a durable database) for the claim, not one per row
        Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement st = c.prepareStatement(ANNOUNCED)) {
                for (PresenceAnnouncement a : sent) {
                    st.setBoolean(1, a.isOnline());
                    st.setString(2, a.getUserId());
                    st.setString(3, a.getClaimId());
                    st.addBatch();
                }
                return st.executeBatch();
            }
        });
    }
}
