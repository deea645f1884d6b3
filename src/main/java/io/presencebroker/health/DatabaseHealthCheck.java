package io.presencebroker.health;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: DOWN while MySQL does not answer or does not accept writes (a read-only server: the old primary after a
 * failover, an Aurora reader); liveness stays UP: a restart would not bring the database back. The same check is the
 * circuit breaker's half-open probe.
 */
public class DatabaseHealthCheck extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseHealthCheck.class);

    /**
     * 1 when the server refuses writes from an ordinary user: read_only (MySQL, MariaDB; super_read_only implies it)
     * or innodb_read_only (Aurora MySQL readers). Valid on MySQL 8, Aurora MySQL 3 and MariaDB.
     */
    static final String READ_ONLY_QUERY = "SELECT @@global.read_only OR @@global.innodb_read_only";

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("presence", "database");
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String problem = problem(dataSource);
        if (problem == null) {
            builder.up();
        } else {
            builder.message(problem).down();
        }
    }

    /**
     * Null when the database answers within 2 s and accepts writes, else what is wrong. A read-only answer also
     * evicts the pool's connections (idle ones at once, lent ones when returned): they lead to a server that is no
     * longer the primary, and new ones follow the name or proxy to the new primary.
     */
    public static String problem(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(2)) {
                return "connection not valid";
            }
            try (Statement st = c.createStatement()) {
                st.setQueryTimeout(2);
                try (ResultSet rs = st.executeQuery(READ_ONLY_QUERY)) {
                    if (rs.next() && rs.getBoolean(1)) {
                        evictAll(dataSource);
                        return "database is read-only (not the primary: read_only or innodb_read_only is set)";
                    }
                }
            }
            return null;
        } catch (Exception e) {
            return "database unreachable: " + e.getMessage();
        }
    }

    private static void evictAll(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource hikari && hikari.getHikariPoolMXBean() != null) {
            LOG.warn("The database answered read-only: evicting the pool's connections");
            hikari.getHikariPoolMXBean().softEvictConnections();
        }
    }
}
