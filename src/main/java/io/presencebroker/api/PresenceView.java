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

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final DataSource dataSource;

    /** @param dataSource the read API's own pool, presenceApiDataSource */
    public PresenceView(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Route step: answers the request for the client of path parameter {@code clientId}. */
    public void answer(Exchange exchange) {
        String clientId = exchange.getIn().getHeader("clientId", "", String.class);
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            String json = json(clientId);
            if (json == null) {
                out.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
                out.setBody(error("unknown client", clientId));
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

    private static String error(String error, String clientId) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("error", error);
        n.put("clientId", clientId);
        return n.toString();
    }
}
