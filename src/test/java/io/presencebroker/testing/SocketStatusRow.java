package io.presencebroker.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** One row of the {@code socket_status} view, and reading the whole view in a stable order. */
public record SocketStatusRow(String clientId, boolean connected, String chatId, String topic) {

    public static final Comparator<SocketStatusRow> ORDER = Comparator.comparing(SocketStatusRow::clientId)
            .thenComparing(SocketStatusRow::chatId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(SocketStatusRow::topic, Comparator.nullsFirst(Comparator.naturalOrder()));

    public static SocketStatusRow disconnected(String clientId) {
        return new SocketStatusRow(clientId, false, null, null);
    }

    public static SocketStatusRow connected(String clientId) {
        return new SocketStatusRow(clientId, true, null, null);
    }

    public static SocketStatusRow subscribed(String clientId, String chatId, String topic) {
        return new SocketStatusRow(clientId, true, chatId, topic);
    }

    public static List<SocketStatusRow> readAll() throws SQLException {
        try (Connection c = TestServices.connection()) {
            return readAll(c);
        }
    }

    /** The whole view, read through the given connection (another server than the shared one). */
    public static List<SocketStatusRow> readAll(Connection c) throws SQLException {
        List<SocketStatusRow> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT client_id, is_connected, chat_id, topic FROM socket_status")) {
            while (rs.next()) {
                rows.add(new SocketStatusRow(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4)));
            }
        }
        rows.sort(ORDER);
        return rows;
    }
}
