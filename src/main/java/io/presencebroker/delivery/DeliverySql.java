package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.presencebroker.store.SqlLists;

/**
 * The one query that reads the socket status of every recipient of a message (users, docs/users.md), and its rows as
 * {@link RecipientStatus}es.
 */
final class DeliverySql {

    /**
     * One row per client of the given users that is connected and subscribed to the message's chat in its current
     * session (the {@code user_socket_status} view shows only those subscriptions), with the topic it subscribed to.
     */
    static final String STATUS = """
            SELECT user_id, client_id, topic
              FROM user_socket_status
             WHERE chat_id = ? AND user_id IN (%s)
             ORDER BY user_id, client_id""";

    private DeliverySql() {
    }

    /**
     * A status for every delivery key, in order; a user with no deliverable client (never seen, offline, or not
     * subscribed) has no topics. The sender's own key lists its clients but the one it wrote from.
     */
    static List<RecipientStatus> statuses(DataSource dataSource, OutboxMessage message, List<String> keys)
            throws SQLException {
        Map<String, List<String>> topics = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(STATUS.formatted(SqlLists.placeholders(keys.size())))) {
            st.setString(1, message.chatId());
            SqlLists.bind(st, 2, keys);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    boolean senderDevice = user.equals(message.senderId()) && rs.getString(2).equals(message.senderClientId());
                    if (!senderDevice) {
                        topics.computeIfAbsent(user, k -> new ArrayList<>()).add(rs.getString(3));
                    }
                }
            }
        }
        List<RecipientStatus> statuses = new ArrayList<>(keys.size());
        for (String k : keys) {
            statuses.add(new RecipientStatus(k, List.copyOf(topics.getOrDefault(k, List.of())),
                    message.senderClientId() != null && k.equals(message.senderId())));
        }
        return statuses;
    }
}
