package io.presencebroker;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.testing.DatabaseCertificates;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Verified TLS to the database, against a real MariaDB that requires TLS ({@link TestMariaDb#secure()}), with a CA
 * made at test time and the trust store made by deploy/rds-truststore.sh (the Dockerfile's script for the RDS CA
 * bundle). The Connector/J parameters are the ones deploy/template.yaml puts in PRESENCE_DB_URL.
 */
class DatabaseTlsTest {

    static final String RUNTIME_USER = "presence_tls";
    static final String RUNTIME_PASSWORD = "tls-Runtime-1";

    @Test
    void aVerifiedConnectionWorksAndIsEncrypted() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        try (Connection c = db.admin()) {
            String cipher = sessionStatus(c, "Ssl_cipher");
            String version = sessionStatus(c, "Ssl_version");
            System.out.printf("verified TLS connection: %s, %s%n", version, cipher);
            assertThat(cipher).isNotBlank();
            assertThat(version).startsWith("TLSv1.");
        }
    }

    static String sessionStatus(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE '" + name + "'")) {
            return rs.next() ? rs.getString(2) : null;
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        DatabaseCertificates certs = db.certificates();
        String url = db.url(TestMariaDb.DATABASE, DatabaseCertificates.verifiedParameters(certs.otherTrustStore(),
                certs.trustStorePassword()));
        assertThatThrownBy(() -> DriverManager.getConnection(url, TestMariaDb.ADMIN, TestMariaDb.ADMIN_PASSWORD).close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(t -> t instanceof javax.net.ssl.SSLHandshakeException));
    }

    @Test
    void plaintextIsRefused() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        String url = db.url(TestMariaDb.DATABASE, "sslMode=DISABLED&allowPublicKeyRetrieval=true");
        assertThatThrownBy(() -> DriverManager.getConnection(url, TestMariaDb.ADMIN, TestMariaDb.ADMIN_PASSWORD).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("insecure transport");
    }

    /** The service itself, through its own data-source settings: PRESENCE_DB_URL with the template's parameters. */
    @Test
    void theServiceAppliesEventsOverAVerifiedConnection() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        String database = "presence_tls";
        try (Connection c = db.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + database);
        }
        assertThat(DatabaseMigration.main(Map.of("presence.db.url", db.verifiedUrl(database),
                "presence.db.user", TestMariaDb.ADMIN, "presence.db.password", TestMariaDb.ADMIN_PASSWORD,
                "presence.db.runtime-user", RUNTIME_USER, "presence.db.runtime-password", RUNTIME_PASSWORD))).isZero();
        Map<String, String> settings = TestServices.settings("tls-events", "tls-events-dlq");
        settings.put("presence.db.url", db.verifiedUrl(database));
        settings.put("presence.db.user", RUNTIME_USER);
        settings.put("presence.db.password", RUNTIME_PASSWORD);
        settings.put("presence.db.migrate", "false");
        long t = System.currentTimeMillis() - 60_000;
        try (TestQueues queues = new TestQueues(); PresenceBroker broker = new PresenceBroker(settings).start()) {
            queues.send("tls-events", EventJson.connected("tls-alice", t, "s-1", 1),
                    EventJson.subscription("subscribed", "tls-alice", t + 1, "s-1", List.of("app/tls-alice/chat/9")));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> chatOf(db, database, "tls-alice"), "9"::equals);
            assertThat(queues.drain("tls-events-dlq")).isEmpty();
        }
    }

    static String chatOf(TestMariaDb db, String database, String client) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.verifiedUrl(database), TestMariaDb.ADMIN, TestMariaDb.ADMIN_PASSWORD);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT chat_id FROM socket_status WHERE is_connected AND client_id = '"
                     + client + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
            all.add(t);
        }
        return all;
    }
}
