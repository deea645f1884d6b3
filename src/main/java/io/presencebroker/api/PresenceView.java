package io.presencebroker.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * The user's presence (the user_presence view) and each client of one page with its deliverable chats: the clients
     * after the cursor (client ids in order), up to the page's last (a client has at most AWS IoT's 50 subscriptions
     * per connection, so a page of n clients is at most 50 n rows).
     */
    static final String USER_QUERY = """
            SELECT u.is_online, u.clients_online, u.last_seen_at, s.client_id, s.is_connected, s.chat_id, s.topic
              FROM user_presence u
              JOIN user_socket_status s ON s.user_id = u.user_id
             WHERE u.user_id = ? AND s.client_id > ? AND s.client_id <= ?
             ORDER BY s.client_id, s.chat_id""";

    /** The client ids of a page, one more than asked (there is a next page when it comes back full). */
    static final String USER_PAGE_QUERY = """
            SELECT client_id FROM client_presence WHERE user_id = ? AND client_id > ? ORDER BY client_id LIMIT ?""";

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

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
        String limitText = exchange.getIn().getHeader("limit", String.valueOf(DEFAULT_PAGE), String.class);
        String after = exchange.getIn().getHeader("after", "", String.class);
        int limit;
        try {
            limit = Integer.parseInt(limitText.strip());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            Message out = exchange.getMessage();
            out.removeHeaders("*");
            out.setHeader(Exchange.CONTENT_TYPE, "application/json");
            out.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            out.setBody(MAPPER.createObjectNode().put("error", "limit must be a number from 1 to " + MAX_PAGE).toString());
            return;
        }
        int pageSize = limit;
        respond(exchange, "userId", "unknown user", userId -> userJson(userId, after, pageSize));
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

    /**
     * The JSON answer for a user, one page of its clients (those after {@code after}, at most {@code limit}, and
     * {@code next}, the cursor of the next page, when there is one), or null for a user none of whose clients the
     * service has seen (or none after the cursor).
     */
    String userJson(String userId, String after, int limit) throws SQLException {
        ObjectNode n = null;
        ArrayNode clients = null;
        ArrayNode chats = null;
        String client = null;
        try (Connection c = dataSource.getConnection()) {
            List<String> page = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(USER_PAGE_QUERY)) {
                st.setString(1, userId);
                st.setString(2, after);
                st.setInt(3, limit + 1);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        page.add(rs.getString(1));
                    }
                }
            }
            if (page.isEmpty()) {
                return null;
            }
            boolean more = page.size() > limit;
            String last = page.get(Math.min(limit, page.size()) - 1);
            try (PreparedStatement st = c.prepareStatement(USER_QUERY)) {
                st.setString(1, userId);
                st.setString(2, after);
                st.setString(3, last);
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
            if (n != null && more) {
                n.put("next", last);
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
