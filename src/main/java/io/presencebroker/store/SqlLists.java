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
        return rows(n, "?");
    }

    /** The rows of a multi-row INSERT: {@code row} {@code n} times, comma-separated ({@code (?, ?), (?, ?)}). */
    public static String rows(int n, String row) {
        return String.join(", ", Collections.nCopies(n, row));
    }

    /** {@code all} in consecutive parts of at most {@code size} (one multi-row statement each). */
    public static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> parts = new java.util.ArrayList<>();
        for (int from = 0; from < all.size(); from += size) {
            parts.add(all.subList(from, Math.min(all.size(), from + size)));
        }
        return parts;
    }

    /** Binds the values to the parameters from {@code first} (1-based) on. */
    public static void bind(PreparedStatement st, int first, List<String> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            st.setString(first + i, values.get(i));
        }
    }
}
