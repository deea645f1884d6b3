package io.presencebroker.health;

import java.sql.Connection;
import java.sql.SQLException;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The service's HikariCP pool, telling {@link AuthenticationFailures} how each connection acquisition went: every
 * route, the readiness check and the circuit breaker's half-open probe take their connections here, so whoever touches
 * the database first after a password change is seen. A failed acquisition carries the pool's last connection
 * failure as its cause (for a changed password: error 1045, SQL state 28000).
 */
public class AuthenticationTrackingDataSource extends HikariDataSource {

    private final AuthenticationFailures failures;

    public AuthenticationTrackingDataSource(HikariConfig config, AuthenticationFailures failures) {
        super(config);
        this.failures = failures;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection;
        try {
            connection = super.getConnection();
        } catch (SQLException | RuntimeException e) {
            failures.record(e);
            throw e;
        }
        failures.success();
        return connection;
    }
}
