package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.presencebroker.store.SqlLists;

/**
 * The one query that reads the socket status of every recipient of a message (users, docs/users.md), and its rows as
 * {@link RecipientStatus}es.
 */
final class DeliverySql {

    /**
     * One row per client of the given users that is connected and subscribed to one of the given chats in its current
     * session (the {@code user_socket_status} view shows only those subscriptions), with the topic it subscribed to.
     * The lists cover a whole poll; the rows of a (chat, user) pair no message of the poll asks for are skipped.
     */
    static final String STATUS = """
            SELECT chat_id, user_id, client_id, topic
              FROM user_socket_status
             WHERE chat_id IN (%s) AND user_id IN (%s)
             ORDER BY chat_id, user_id, client_id""";

    private DeliverySql() {
    }

    /** One message of a poll and the delivery keys it holds a claim for. */
    record Claimed(OutboxMessage message, List<String> keys) {
    }

    /**
     * For each message (by id), a status for every key it holds, in order, all read in one query; a user with no
     * deliverable client (never seen, offline, or not subscribed) has no topics. The sender's own key lists its
     * clients but the one it wrote from.
     */
    static Map<String, List<RecipientStatus>> statuses(DataSource dataSource, List<Claimed> claimed) throws SQLException {
        Set<String> chats = new LinkedHashSet<>();
        Set<String> users = new LinkedHashSet<>();
        for (Claimed m : claimed) {
            if (!m.keys().isEmpty()) {
                chats.add(m.message().chatId());
                users.addAll(m.keys());
            }
        }
        // (chat, user) -> [client, topic] rows
        Map<List<String>, List<String[]>> clients = new HashMap<>();
        if (!chats.isEmpty()) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement st = c.prepareStatement(STATUS.formatted(SqlLists.placeholders(chats.size()),
                         SqlLists.placeholders(users.size())))) {
                SqlLists.bind(st, 1, List.copyOf(chats));
                SqlLists.bind(st, 1 + chats.size(), List.copyOf(users));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        clients.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                                .add(new String[] {rs.getString(3), rs.getString(4)});
                    }
                }
            }
        }
        Map<String, List<RecipientStatus>> statuses = new HashMap<>();
        for (Claimed m : claimed) {
            OutboxMessage message = m.message();
            List<RecipientStatus> list = new ArrayList<>(m.keys().size());
            for (String k : m.keys()) {
                List<String> topics = new ArrayList<>();
                for (String[] client : clients.getOrDefault(List.of(message.chatId(), k), List.of())) {
                    boolean senderDevice = k.equals(message.senderId()) && client[0].equals(message.senderClientId());
                    if (!senderDevice) {
                        topics.add(client[1]);
                    }
                }
                list.add(new RecipientStatus(k, List.copyOf(topics),
                        message.senderClientId() != null && k.equals(message.senderId())));
            }
            statuses.put(message.messageId(), list);
        }
        return statuses;
    }
}
