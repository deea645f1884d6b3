package io.presencebroker.health;

import java.sql.Connection;
import java.sql.Statement;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Readiness and the breaker's probe ask whether the real MariaDB accepts writes, not only whether it answers. */
class DatabaseHealthCheckTest {

    @Test
    void aReadOnlyServerIsAProblemAndItsConnectionsAreEvicted() throws Exception {
        var services = TestServices.get();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(services.jdbcUrl());
        config.setUsername(services.dbUser());
        config.setPassword(services.dbPassword());
        config.setMaximumPoolSize(3);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            assertThat(DatabaseHealthCheck.problem(pool)).isNull();
            Awaitility.await().until(() -> pool.getHikariPoolMXBean().getTotalConnections() == 3);
            try {
                setReadOnly(true);
                long opened = connectionsOpened();
                assertThat(DatabaseHealthCheck.problem(pool)).contains("read-only");
                // the pool's connections are replaced (soft eviction closes the idle ones at once, the pool refills)
                Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> connectionsOpened() - opened >= 3);
            } finally {
                setReadOnly(false);
            }
            assertThat(DatabaseHealthCheck.problem(pool)).isNull();
        }
    }

    /** Connections the server accepted since it started (our own reading one included). */
    private static long connectionsOpened() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Connections'")) {
            rs.next();
            return rs.getLong(2) - 1;
        }
    }

    private static void setReadOnly(boolean on) throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("SET GLOBAL read_only = " + (on ? 1 : 0));
        }
    }
}
