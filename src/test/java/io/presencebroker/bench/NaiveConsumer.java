package io.presencebroker.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLIntegrityConstraintViolationException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.testing.TestServices;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The baseline, in the style of the original per-event handler: one message per receive, a SELECT of the stored
 * status, the ordering decision in Java, then a separate blind UPDATE or INSERT, and one delete per message. It knows
 * the same ordering rules; what it lacks is atomicity, so concurrent consumers lose updates.
 */
final class NaiveConsumer {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long RESET_GAP = 1_800_000;

    private final SqsClient sqs;
    private final String url;

    NaiveConsumer(SqsClient sqs, String url) {
        this.sqs = sqs;
        this.url = url;
    }

    void drain() throws Exception {
        try (Connection c = TestServices.connection()) {
            while (true) {
                List<Message> one = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(1).waitTimeSeconds(1)).messages();
                if (one.isEmpty()) {
                    return;
                }
                handle(c, MAPPER.readTree(one.get(0).body()));
                sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(one.get(0).receiptHandle()));
            }
        }
    }

    private void handle(Connection c, JsonNode e) throws Exception {
        String type = e.path("eventType").asText();
        String client = e.path("clientId").asText();
        long ts = e.path("timestamp").asLong();
        String session = e.path("sessionIdentifier").asText();
        if (type.equals("connected") || type.equals("disconnected")) {
            long version = e.path("versionNumber").asLong();
            int rank = type.equals("disconnected") ? 1 : 0;
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT version_number, event_rank, event_ts, session_id FROM client_presence WHERE client_id = ?")) {
                select.setString(1, client);
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        if (newer(ts, version, rank, session, rs.getLong(3), rs.getLong(1), rs.getInt(2), rs.getString(4))) {
                            write(c, "UPDATE client_presence SET connected = ?, version_number = ?, event_rank = ?, event_ts = ?, "
                                    + "session_id = ? WHERE client_id = ?", rank == 0, version, rank, ts, session, client);
                        }
                        return;
                    }
                }
            }
            try {
                write(c, "INSERT INTO client_presence (connected, version_number, event_rank, event_ts, session_id, client_id) "
                        + "VALUES (?, ?, ?, ?, ?, ?)", rank == 0, version, rank, ts, session, client);
            } catch (SQLIntegrityConstraintViolationException raced) {
                write(c, "UPDATE client_presence SET connected = ?, version_number = ?, event_rank = ?, event_ts = ?, "
                        + "session_id = ? WHERE client_id = ?", rank == 0, version, rank, ts, session, client);
            }
        } else if (type.equals("subscribed") || type.equals("unsubscribed")) {
            int rank = type.equals("unsubscribed") ? 1 : 0;
            for (JsonNode t : e.path("topics")) {
                String topic = t.asText();
                String[] seg = topic.split("/", -1);
                if (seg.length < 4 || !seg[2].equals("chat") || topic.contains("+") || topic.contains("#")) {
                    continue;
                }
                String chat = seg[3];
                boolean exists = false;
                boolean newer = true;
                try (PreparedStatement select = c.prepareStatement(
                        "SELECT event_ts, event_rank, session_id, topic FROM client_subscription WHERE client_id = ? AND chat_id = ?")) {
                    select.setString(1, client);
                    select.setString(2, chat);
                    try (ResultSet rs = select.executeQuery()) {
                        if (rs.next()) {
                            exists = true;
                            int cmp = Long.compare(ts, rs.getLong(1));
                            cmp = cmp != 0 ? cmp : Integer.compare(rank, rs.getInt(2));
                            cmp = cmp != 0 ? cmp : session.compareTo(rs.getString(3));
                            cmp = cmp != 0 ? cmp : topic.compareTo(rs.getString(4));
                            newer = cmp > 0;
                        }
                    }
                }
                if (exists && newer) {
                    write(c, "UPDATE client_subscription SET topic = ?, subscribed = ?, event_rank = ?, event_ts = ?, session_id = ? "
                            + "WHERE client_id = ? AND chat_id = ?", topic, rank == 0, rank, ts, session, client, chat);
                } else if (!exists) {
                    try {
                        write(c, "INSERT INTO client_subscription (topic, subscribed, event_rank, event_ts, session_id, client_id, chat_id) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?)", topic, rank == 0, rank, ts, session, client, chat);
                    } catch (SQLIntegrityConstraintViolationException raced) {
                        write(c, "UPDATE client_subscription SET topic = ?, subscribed = ?, event_rank = ?, event_ts = ?, session_id = ? "
                                + "WHERE client_id = ? AND chat_id = ?", topic, rank == 0, rank, ts, session, client, chat);
                    }
                }
            }
        }
    }

    private static boolean newer(long ts, long version, int rank, String session, long oldTs, long oldVersion, int oldRank,
                                 String oldSession) {
        if (Math.abs(ts - oldTs) > RESET_GAP) {
            return ts > oldTs;
        }
        int cmp = Long.compare(version, oldVersion);
        cmp = cmp != 0 ? cmp : Integer.compare(rank, oldRank);
        cmp = cmp != 0 ? cmp : Long.compare(ts, oldTs);
        cmp = cmp != 0 ? cmp : session.compareTo(oldSession);
        return cmp > 0;
    }

    private static void write(Connection c, String sql, Object... params) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }
}
