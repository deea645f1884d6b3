package io.presencebroker.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read API's answer for one client ({@code GET /presence/{clientId}}, routes/presence-api.yaml): the JSON
 * {@code {clientId, connected, session, chats: [{chatId, topic}]}}, 404 for a client the service has never seen, 503
 * with Retry-After when the API's own pool gives no connection in time or the database does not answer.
 */
public class PresenceView {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceView.class);

    /** The presence row and, when connected, each chat subscribed to in the current session (as socket_status). */
    static final String QUERY = """
            SELECT p.client_id, p.connected, p.session_id, s.chat_id, s.topic
              FROM client_presence p
              LEFT JOIN client_subscription s
                ON p.connected = TRUE AND s.client_id = p.client_id AND s.subscribed = TRUE
               AND s.session_id = p.session_id
             WHERE p.client_id = ?
             ORDER BY s.chat_id""";

    /** The user's presence (the user_presence view) and each of its clients with its deliverable chats. */
    static final String USER_QUERY = """
            SELECT u.is_online, u.clients_online, u.last_seen_at, s.client_id, s.is_connected, s.chat_id, s.topic
              FROM user_presence u
              JOIN user_socket_status s ON s.user_id = u.user_id
             WHERE u.user_id = ?
             ORDER BY s.client_id, s.chat_id""";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final DataSource dataSource;

    /** @param dataSource the read API's own pool, presenceApiDataSource */
    public PresenceView(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Route step: answers the request for the client of path parameter {@code clientId}. */
    public void answer(Exchange exchange) {
        respond(exchange, "clientId", "unknown client", this::json);
    }

    /**
     * Route step: answers {@code GET /presence/users/{userId}} with {@code {userId, online, clientsOnline, lastSeenAt,
     * clients: [{clientId, connected, chats: [{chatId, topic}]}]}} (user_presence and user_socket_status), 404 for a
     * user none of whose clients the service has seen.
     */
    public void answerUser(Exchange exchange) {
        respond(exchange, "userId", "unknown user", this::userJson);
    }

    private interface Query {
        String json(String id) throws SQLException;
    }

    private static void respond(Exchange exchange, String parameter, String unknown, Query query) {
        String id = exchange.getIn().getHeader(parameter, "", String.class);
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            String json = query.json(id);
            if (json == null) {
                out.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
                out.setBody(error(unknown, parameter, id));
            } else {
                out.setBody(json);
            }
        } catch (SQLException e) {
            // the API pool exhausted (connection timeout) or the database unreachable: answer at once
            LOG.warn("read API: no answer from the database: {}", e.getMessage());
            out.setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            out.setHeader("Retry-After", "1");
            out.setBody("{\"error\":\"database busy or unavailable\"}");
        }
    }

    /** The JSON answer, or null for a client the service has never seen. */
    String json(String clientId) throws SQLException {
        ObjectNode n = null;
        ArrayNode chats = null;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(QUERY)) {
            st.setString(1, clientId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (n == null) {
                        n = MAPPER.createObjectNode();
                        n.put("clientId", rs.getString("client_id"));
                        n.put("connected", rs.getBoolean("connected"));
                        n.put("session", String.valueOf(rs.getString("session_id")));
                        chats = n.putArray("chats");
                    }
                    if (rs.getString("chat_id") != null) {
                        chats.addObject().put("chatId", rs.getString("chat_id")).put("topic", String.valueOf(rs.getString("topic")));
                    }
                }
            }
        }
        return n == null ? null : n.toString();
    }

    /** The JSON answer for a user, or null for a user none of whose clients the service has seen. */
    String userJson(String userId) throws SQLException {
        ObjectNode n = null;
        ArrayNode clients = null;
        ArrayNode chats = null;
        String client = null;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(USER_QUERY)) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (n == null) {
                        n = MAPPER.createObjectNode();
                        n.put("userId", userId);
                        n.put("online", rs.getBoolean("is_online"));
                        n.put("clientsOnline", rs.getInt("clients_online"));
                        n.put("lastSeenAt", rs.getLong("last_seen_at"));
                        clients = n.putArray("clients");
                    }
                    if (!rs.getString("client_id").equals(client)) {
                        client = rs.getString("client_id");
                        ObjectNode entry = clients.addObject().put("clientId", client).put("connected", rs.getBoolean("is_connected"));
                        chats = entry.putArray("chats");
                    }
                    if (rs.getString("chat_id") != null) {
                        chats.addObject().put("chatId", rs.getString("chat_id")).put("topic", String.valueOf(rs.getString("topic")));
                    }
                }
            }
        }
        return n == null ? null : n.toString();
    }

    private static String error(String error, String parameter, String id) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("error", error);
        n.put(parameter, id);
        return n.toString();
    }
}
