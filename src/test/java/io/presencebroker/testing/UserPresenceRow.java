package io.presencebroker.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One row of the {@code user_presence} view, and reading it (and {@code user_socket_status}) in a stable order. */
public record UserPresenceRow(String userId, boolean online, int clientsOnline, long lastSeenAt) {

    public static List<UserPresenceRow> readAll() throws SQLException {
        List<UserPresenceRow> rows = new ArrayList<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT user_id, is_online, clients_online, last_seen_at FROM user_presence ORDER BY user_id")) {
            while (rs.next()) {
                rows.add(new UserPresenceRow(rs.getString(1), rs.getBoolean(2), rs.getInt(3), rs.getLong(4)));
            }
        }
        return rows;
    }

    /** user_socket_status, each row as "user SocketStatusRow[...]" (as ReferenceModel.userSocketStatus), sorted. */
    public static List<String> readUserSocketStatus() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT user_id, client_id, is_connected, chat_id, topic FROM user_socket_status")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + new SocketStatusRow(rs.getString(2), rs.getBoolean(3), rs.getString(4), rs.getString(5)));
            }
        }
        Collections.sort(rows);
        return rows;
    }
}
