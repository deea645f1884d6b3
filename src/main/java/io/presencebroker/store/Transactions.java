package io.presencebroker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * One database transaction on a pooled connection: committed when the work returns, rolled back when it throws; and
 * deletes in chunks of short transactions (retention).
 */
public final class Transactions {

    /** The statements of one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private Transactions() {
    }

    /**
     * Runs a {@code DELETE ... LIMIT ?} whose parameters are an age and the chunk until it deletes fewer than a chunk:
     * each statement its own short transaction (autocommit), on one connection. Returns how many rows it deleted.
     */
    public static long deleteInChunks(DataSource dataSource, String delete, int age, int chunk) throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(delete)) {
            st.setInt(1, age);
            st.setInt(2, chunk);
            int deleted;
            do {
                deleted = st.executeUpdate();
                total += deleted;
            } while (deleted == chunk);
        }
        return total;
    }

    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
