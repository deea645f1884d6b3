package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import io.presencebroker.json.StrictJson;
import io.presencebroker.config.RouteBean;
import io.presencebroker.sqs.QueueMessages;
import io.presencebroker.store.SqlLists;
import io.presencebroker.store.Transactions;
import org.apache.camel.Exchange;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Receipts (opt-in, docs/delivery.md "Receipts"): a socket delivery is not taken on trust. When its publish is
 * recorded, each recipient's receipt is expected by a time (table delivery_receipt, with the push request it would
 * get); the client acknowledges on its receipt topic, which an IoT rule forwards to the receipts queue
 * ({@link #received}); what is still pending at its time is pushed, once ({@link #pushOverdue}, the look of
 * routes/delivery-receipts.yaml). A receipt that comes after the push changes nothing.
 */
@RouteBean
public class DeliveryReceipts {

    /** How long a look may take to send what it leased before another look sends it (again). */
    static final int LEASE_SECONDS = 30;

    private static final String EXPECT = "INSERT IGNORE INTO delivery_receipt (message_id, recipient, state, due_at,"
            + " push_request) VALUES ";
    /** A receipt may come before its row (a slow PUBACK, a retried record): then the row starts received. */
    private static final String RECEIVED = "INSERT INTO delivery_receipt (message_id, recipient, state, due_at,"
            + " push_request) VALUES (?, ?, 'received', NOW(3), '') ON DUPLICATE KEY UPDATE"
            + " updated_at = IF(state = 'pending', NOW(3), updated_at), state = IF(state = 'pending', 'received', state)";
    /** Overdue ones (and leases of a look that died mid-send), taken with a lease: no lock is held while sending. */
    private static final String OVERDUE = "SELECT message_id, recipient, push_request FROM delivery_receipt"
            + " WHERE state IN ('pending', 'sending') AND due_at <= NOW(3) ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED";
    private static final String LEASE = "UPDATE delivery_receipt SET state = 'sending',"
            + " due_at = NOW(3) + INTERVAL " + LEASE_SECONDS + " SECOND, updated_at = NOW(3) WHERE message_id = ? AND recipient = ?";
    private static final String PUSHED = "UPDATE delivery_receipt SET state = 'pushed', updated_at = NOW(3)"
            + " WHERE message_id = ? AND recipient = ? AND state = 'sending'";

    private final boolean enabled;
    private final DataSource dataSource;
    private final long timeoutMillis;
    private final int batchSize;
    private final QueueMessages pushQueue;
    private final DeliveryMessages messages;

    public DeliveryReceipts(boolean enabled, DataSource dataSource, long timeoutMillis, int batchSize, SqsClient sqs,
                            String pushQueue, DeliveryMessages messages) {
        this.enabled = enabled;
        this.dataSource = dataSource;
        this.timeoutMillis = timeoutMillis;
        this.batchSize = batchSize;
        this.pushQueue = new QueueMessages(sqs, pushQueue);
        this.messages = messages;
    }

    /**
     * In the transaction that records a poll's deliveries: each recipient reached over its socket owes a receipt
     * within the timeout (nothing when receipts are off; the sender's own devices owe none). One statement.
     */
    void expect(Connection c, List<Delivery> deliveries) throws SQLException {
        if (!enabled) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        for (Delivery d : deliveries) {
            d.paths().forEach((recipient, path) -> {
                if (Delivery.SOCKET.equals(path) && !d.isSender(recipient)) {
                    rows.add(new String[] {d.getMessage().messageId(), recipient,
                            messages.pushRequest(d.getMessage(), recipient)});
                }
            });
        }
        if (rows.isEmpty()) {
            return;
        }
        for (List<String[]> part : SqlLists.chunks(rows, DeliveryLog.ROWS_PER_STATEMENT)) {
            String sql = EXPECT + SqlLists.rows(part.size(), "(?, ?, 'pending', NOW(3) + INTERVAL ? MICROSECOND, ?)");
            try (PreparedStatement st = c.prepareStatement(sql)) {
                int p = 1;
                for (String[] r : part) {
                    st.setString(p++, r[0]);
                    st.setString(p++, r[1]);
                    st.setLong(p++, timeoutMillis * 1000);
                    st.setString(p++, r[2]);
                }
                st.executeUpdate();
            }
        }
    }

    /**
     * Route step of the receipts queue (body: {@code {"messageId": "...", "userId": "..."}}): that recipient got the
     * message over its socket. True when it was still pending; a late or unknown receipt changes nothing.
     */
    public boolean received(String body) throws SQLException {
        JsonNode receipt = StrictJson.readObject(body);
        String messageId = OutboxMessageParser.text(receipt, "messageId", OutboxMessageParser.MAX_ID_LENGTH,
                "receipt messageId");
        String userId = OutboxMessageParser.text(receipt, "userId", OutboxMessageParser.MAX_ID_LENGTH, "receipt userId");
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(RECEIVED)) {
            st.setString(1, messageId);
            st.setString(2, userId);
            return st.executeUpdate() > 0;
        }
    }

    /**
     * Route step of the due look: the overdue receipts (up to the batch size, locked, SKIP LOCKED: another instance
     * takes others), their push requests sent in batches of 10, then marked pushed, in one transaction; a failed send
     * rolls back and the next look tries again. Returns how many were pushed; a full batch tells the greedy scheduler
     * to look again at once, anything less to wait for its delay.
     */
    public int pushOverdue(Exchange exchange) throws SQLException {
        // set first: a look that fails (SQS down) must not make the greedy scheduler look again at once
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, false);
        int pushed = pushOverdue();
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, pushed >= batchSize);
        return pushed;
    }

    /**
     * {@link #pushOverdue(Exchange)} outside a route: the overdue rows leased in a short transaction (SKIP LOCKED:
     * another instance takes others), their push requests sent with no lock held, then marked pushed. A look that
     * dies or fails mid-send leaves its lease to run out ({@value #LEASE_SECONDS} s): sent again then, at least once.
     */
    int pushOverdue() throws SQLException {
        if (!enabled) {
            return 0;
        }
        List<String[]> due = Transactions.inTransaction(dataSource, c -> {
            List<String[]> rows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(OVERDUE)) {
                st.setInt(1, batchSize);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                    }
                }
            }
            mark(c, LEASE, rows);
            return rows;
        });
        if (due.isEmpty()) {
            return 0;
        }
        pushQueue.send(due.stream().map(d -> d[2]).toList());
        try (Connection c = dataSource.getConnection()) {
            mark(c, PUSHED, due);
        }
        messages.count(Delivery.UNACKNOWLEDGED, due.size());
        return due.size();
    }

    private static void mark(Connection c, String sql, List<String[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (String[] r : rows) {
                st.setString(1, r[0]);
                st.setString(2, r[1]);
                st.addBatch();
            }
            st.executeBatch();
        }
    }
}
