package io.presencebroker.store;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/** One database transaction on a pooled connection: committed when the work returns, rolled back when it throws. */
public final class Transactions {

    /** The statements of one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private Transactions() {
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
