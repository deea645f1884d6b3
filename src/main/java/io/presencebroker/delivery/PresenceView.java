package io.presencebroker.delivery;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The read API's answer for one client ({@code GET /presence/{clientId}}): the SQL, and the JSON
 * {@code {clientId, connected, session, chats: [{chatId, topic}]}} built from its rows.
 */
public class PresenceView {

    /** The presence row and, when connected, each chat subscribed to in the current session (as socket_status). */
    static final String QUERY = """
            SELECT p.client_id, p.connected, p.session_id, s.chat_id, s.topic
              FROM client_presence p
              LEFT JOIN client_subscription s
                ON p.connected = TRUE AND s.client_id = p.client_id AND s.subscribed = TRUE
               AND s.session_id = p.session_id
             WHERE p.client_id = :?clientId
             ORDER BY s.chat_id""";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public String query() {
        return QUERY;
    }

    public Map<String, Object> parameters(String clientId) {
        return Map.of("clientId", clientId == null ? "" : clientId);
    }

    /** The JSON answer, or null for a client the service has never seen (the route answers 404). */
    public String json(List<Map<String, Object>> rows) {
        if (rows == null || rows.isEmpty()) {
            return null;
        }
        Map<String, Object> first = rows.get(0);
        ObjectNode n = MAPPER.createObjectNode();
        n.put("clientId", String.valueOf(first.get("client_id")));
        Object connected = first.get("connected");
        boolean isConnected = connected instanceof Boolean b ? b : connected instanceof Number x && x.intValue() != 0;
        n.put("connected", isConnected);
        n.put("session", String.valueOf(first.get("session_id")));
        ArrayNode chats = n.putArray("chats");
        for (Map<String, Object> row : rows) {
            if (row.get("chat_id") != null) {
                chats.addObject().put("chatId", row.get("chat_id").toString()).put("topic", String.valueOf(row.get("topic")));
            }
        }
        return n.toString();
    }

    public String notFound(String clientId) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("error", "unknown client");
        n.put("clientId", clientId);
        return n.toString();
    }
}
