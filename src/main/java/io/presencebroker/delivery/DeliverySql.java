package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one query that reads the socket status of every recipient of a message, for camel-jdbc's named parameters
 * ({@code :?name} from the {@code CamelJdbcParameters} header), and its rows as {@link RecipientStatus}es.
 */
public class DeliverySql {

    /**
     * One row per known recipient: connected, and the topic of its subscription to the message's chat in its current
     * session (the {@code socket_status} view only shows subscriptions of connected clients in their current session).
     */
    static final String STATUS = """
            SELECT client_id, MAX(is_connected) AS connected,
                   MAX(CASE WHEN chat_id = :?chatId THEN topic END) AS topic
              FROM socket_status
             WHERE client_id IN (%s)
             GROUP BY client_id""";

    public String statusQuery(List<String> recipients) {
        List<String> names = new ArrayList<>(recipients.size());
        for (int i = 0; i < recipients.size(); i++) {
            names.add(":?r" + i);
        }
        return STATUS.formatted(String.join(", ", names));
    }

    public Map<String, Object> statusParameters(OutboxMessage message, List<String> recipients) {
        Map<String, Object> p = new HashMap<>();
        p.put("chatId", message.chatId());
        for (int i = 0; i < recipients.size(); i++) {
            p.put("r" + i, recipients.get(i));
        }
        return p;
    }

    /** A status for every recipient, in recipient order; a recipient with no row was never seen: not connected. */
    public List<RecipientStatus> statuses(List<String> recipients, List<Map<String, Object>> rows) {
        Map<String, RecipientStatus> byClient = new HashMap<>();
        for (Map<String, Object> row : rows) {
            String client = String.valueOf(row.get("client_id"));
            Object connected = row.get("connected");
            boolean isConnected = connected instanceof Boolean b ? b
                    : connected instanceof Number n && n.intValue() != 0;
            Object topic = row.get("topic");
            byClient.put(client, new RecipientStatus(client, isConnected, topic == null ? null : topic.toString()));
        }
        List<RecipientStatus> statuses = new ArrayList<>(recipients.size());
        for (String r : recipients) {
            statuses.add(byClient.getOrDefault(r, new RecipientStatus(r, false, null)));
        }
        return statuses;
    }
}
