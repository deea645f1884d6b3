package io.presencebroker.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;

/** The {@code IN (?, ?, ...)} lists of the service's statements. */
public final class SqlLists {

    private SqlLists() {
    }

    /** {@code n} placeholders, comma-separated: {@code ?, ?, ?}. */
    public static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Binds the values to the parameters from {@code first} (1-based) on. */
    public static void bind(PreparedStatement st, int first, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            st.setString(first + i, values.get(i));
        }
    }
}
