package io.presencebroker.health;

import java.sql.Connection;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness: DOWN while MySQL does not answer (liveness stays UP: a restart would not bring the database back). */
public class DatabaseHealthCheck extends AbstractHealthCheck {

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

    /** Null when the database answers within 2 s, else what is wrong. */
    public static String problem(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2) ? null : "connection not valid";
        } catch (Exception e) {
            return "database unreachable: " + e.getMessage();
        }
    }
}
