package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The one query that reads the socket status of every recipient of a message, and its rows as
 * {@link RecipientStatus}es.
 */
final class DeliverySql {

    /**
     * One row per known recipient: connected, and the topic of its subscription to the message's chat in its current
     * session (the {@code socket_status} view only shows subscriptions of connected clients in their current session).
     */
    static final String STATUS = """
            SELECT client_id, MAX(is_connected) AS connected,
                   MAX(CASE WHEN chat_id = ? THEN topic END) AS topic
              FROM socket_status
             WHERE client_id IN (%s)
             GROUP BY client_id""";

    private DeliverySql() {
    }

    /** A status for every recipient, in recipient order; a recipient with no row was never seen: not connected. */
    static List<RecipientStatus> statuses(DataSource dataSource, OutboxMessage message, List<String> recipients)
            throws SQLException {
        Map<String, RecipientStatus> byClient = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(STATUS.formatted(String.join(", ",
                     Collections.nCopies(recipients.size(), "?"))))) {
            st.setString(1, message.chatId());
            for (int i = 0; i < recipients.size(); i++) {
                st.setString(i + 2, recipients.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String client = rs.getString(1);
                    byClient.put(client, new RecipientStatus(client, rs.getInt(2) != 0, rs.getString(3)));
                }
            }
        }
        List<RecipientStatus> statuses = new ArrayList<>(recipients.size());
        for (String r : recipients) {
            statuses.add(byClient.getOrDefault(r, new RecipientStatus(r, false, null)));
        }
        return statuses;
    }
}
