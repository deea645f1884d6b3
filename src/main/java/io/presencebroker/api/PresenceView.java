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
import io.presencebroker.config.RouteBean;
import io.presencebroker.store.DisconnectReasons;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read API's answer for one client ({@code GET /presence/{clientId}}, routes/presence-api.yaml): the JSON
 * {@code {clientId, connected, session, chats: [{chatId, topic}]}}, 404 for a client the service has never seen, 503
 * with Retry-After when the API's own pool gives no connection in time or the database does not answer.
 */
@RouteBean
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
            SELECT u.is_online, u.clients_online, u.last_seen_at, u.last_seen_reason, s.client_id, s.is_connected,
                   s.chat_id, s.topic
              FROM user_presence u
              JOIN user_socket_status s ON s.user_id = u.user_id
             WHERE u.user_id = ? AND s.client_id > ? AND s.client_id <= ?
             ORDER BY s.client_id, s.chat_id""";

    /** A client's transitions, newest first, before the cursor (a history id), one more than asked. */
    static final String CLIENT_HISTORY = """
            SELECT id, client_id, connected, event_ts, disconnect_reason, repaired FROM client_presence_history
             WHERE client_id = ? AND id < ? ORDER BY id DESC LIMIT ?""";
    /** The same for all of a user's clients. */
    static final String USER_HISTORY = """
            SELECT id, client_id, connected, event_ts, disconnect_reason, repaired FROM client_presence_history
             WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?""";

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
        String after = exchange.getIn().getHeader("after", "", String.class);
        Integer pageSize = pageSize(exchange);
        if (pageSize != null) {
            respond(exchange, "userId", "unknown user", userId -> userJson(userId, after, pageSize));
        }
    }

    /**
     * Route step: answers {@code GET /presence/{clientId}/history} with the client's transitions, newest first, a page
     * at a time ({@code limit}, {@code before}): {@code {clientId, transitions: [{connected, at, disconnectReason,
     * unclean, repaired}], next}}.
     */
    public void answerHistory(Exchange exchange) {
        history(exchange, "clientId", CLIENT_HISTORY);
    }

    /** Route step: {@code GET /presence/users/{userId}/history}, the same for all the user's clients (each with its id). */
    public void answerUserHistory(Exchange exchange) {
        history(exchange, "userId", USER_HISTORY);
    }

    private void history(Exchange exchange, String parameter, String query) {
        Integer pageSize = pageSize(exchange);
        if (pageSize == null) {
            return;
        }
        long before;
        try {
            before = Long.parseLong(exchange.getIn().getHeader("before", String.valueOf(Long.MAX_VALUE), String.class).strip());
        } catch (NumberFormatException e) {
            badRequest(exchange, "before must be the next of a previous page");
            return;
        }
        respond(exchange, parameter, "", id -> historyJson(query, parameter, id, before, pageSize));
    }

    /** The page size of {@code ?limit=} (default 100), or null after answering 400 for one outside 1 to 1000. */
    private static Integer pageSize(Exchange exchange) {
        String limitText = exchange.getIn().getHeader("limit", String.valueOf(DEFAULT_PAGE), String.class);
        int limit;
        try {
            limit = Integer.parseInt(limitText.strip());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            badRequest(exchange, "limit must be a number from 1 to " + MAX_PAGE);
            return null;
        }
        return limit;
    }

    private static void badRequest(Exchange exchange, String error) {
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
        out.setBody(MAPPER.createObjectNode().put("error", error).toString());
    }

    /** A page of transitions, newest first; never null (an id without history has an empty list). */
    String historyJson(String query, String parameter, String id, long before, int limit) throws SQLException {
        ObjectNode n = MAPPER.createObjectNode().put(parameter, id);
        ArrayNode transitions = n.putArray("transitions");
        long last = 0;
        int rows = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(query)) {
            st.setString(1, id);
            st.setLong(2, before);
            st.setInt(3, limit + 1);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next() && ++rows <= limit) {
                    last = rs.getLong("id");
                    ObjectNode t = transitions.addObject();
                    if (parameter.equals("userId")) {
                        t.put("clientId", rs.getString("client_id"));
                    }
                    String reason = rs.getString("disconnect_reason");
                    t.put("connected", rs.getBoolean("connected")).put("at", rs.getLong("event_ts"))
                            .put("disconnectReason", reason)
                            .put("unclean", !rs.getBoolean("connected") && DisconnectReasons.unclean(reason))
                            .put("repaired", rs.getBoolean("repaired"));
                }
            }
        }
        if (rows > limit) {
            n.put("next", String.valueOf(last));
        }
        return n.toString();
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
                            String reason = rs.getString("last_seen_reason");
                            n.put("lastSeenReason", reason);
                            n.put("lastSeenUnclean", DisconnectReasons.unclean(reason));
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
