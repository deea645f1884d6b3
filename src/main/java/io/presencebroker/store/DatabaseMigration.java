package io.presencebroker.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.presencebroker.config.Settings;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.ValidateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema and its users. The {@code migrate} command connects with the migration credential
 * ({@code presence.db.user}/{@code presence.db.password}, e.g. the RDS master user), applies the Flyway migrations and,
 * when {@code presence.db.runtime-user} is set, creates or updates the runtime user with only the privileges the
 * service needs (the script {@code deploy/runtime-user.sql}, packaged as {@code db/runtime-user.sql}), then exits. A
 * service that does not migrate ({@code presence.db.migrate=false}) checks at start that the schema is current, so
 * that it fails at once, with the reason, instead of failing every event.
 */
public final class DatabaseMigration {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseMigration.class);

    static final String RUNTIME_USER_SCRIPT = "/db/runtime-user.sql";
    static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");

    private DatabaseMigration() {
    }

    /** The {@code migrate} command; returns the exit code (a failure is thrown: the command line prints it in one line). */
    public static int main(Map<String, String> overrides) throws SQLException {
        Settings settings = Settings.load(overrides);
        String url = settings.require("presence.db.url");
        String user = settings.require("presence.db.user");
        String password = settings.get("presence.db.password");
        Flyway flyway = flyway(Flyway.configure().dataSource(url, user, password));
        int applied = flyway.migrate().migrationsExecuted;
        LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(),
                applied);
        String runtimeUser = settings.get("presence.db.runtime-user");
        if (!runtimeUser.isBlank()) {
            try (Connection c = DriverManager.getConnection(url, user, password)) {
                createRuntimeUser(c, runtimeUser, settings.require("presence.db.runtime-password"),
                        settings.isTrue("presence.db.runtime-password-reset"));
            }
            LOG.info("Runtime database user {} has its privileges", runtimeUser);
        }
        return 0;
    }

    /** Applies the migrations (the service's start with {@code presence.db.migrate=true}). */
    public static void migrate(DataSource dataSource) {
        Flyway flyway = flyway(Flyway.configure().dataSource(dataSource));
        int applied = flyway.migrate().migrationsExecuted;
        LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(), applied);
    }

    /**
     * Fails, naming the cause, unless every migration of this version is applied (reads only the Flyway history table:
     * the runtime user's SELECT on it suffices). A schema newer than this version is fine (a rollback of the code).
     */
    public static void requireCurrent(DataSource dataSource) {
        ValidateResult result = flyway(Flyway.configure().dataSource(dataSource)).validateWithResult();
        if (!result.validationSuccessful) {
            throw new IllegalStateException("The database schema is not at this version's migrations, and"
                    + " PRESENCE_DB_MIGRATE is false: run the `migrate` command first (" + result.getAllErrorMessages() + ")");
        }
    }

    private static Flyway flyway(org.flywaydb.core.api.configuration.FluentConfiguration config) {
        return config.locations("classpath:db/migration").load();
    }

    /**
     * Runs the runtime user script with the given user name and password, in the connection's database; with
     * {@code resetPassword} false an existing user keeps its password (its {@code ALTER USER} is
     * skipped): the password is then Secrets Manager's rotation's to change, and a run during a rotation (a task
     * starting between the rotation's setSecret and finishSecret, with the password of before) must not undo it.
     */
    public static void createRuntimeUser(Connection c, String user, String password, boolean resetPassword)
            throws SQLException {
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("presence.db.runtime-user must match " + USER_NAME + ": " + user);
        }
        if (password.isEmpty() || password.contains("'") || password.contains("\\")) {
            throw new IllegalArgumentException("presence.db.runtime-password must be set and contain no quote or backslash");
        }
        try (Statement st = c.createStatement()) {
            String database;
            try (ResultSet rs = st.executeQuery("SELECT DATABASE()")) {
                rs.next();
                database = rs.getString(1);
            }
            if (database == null || database.contains("`")) {
                throw new IllegalStateException("the JDBC URL names no (usable) database: " + database);
            }
            for (String statement : statements(script())) {
                if (!resetPassword && statement.strip().startsWith("ALTER USER")) {
                    continue;
                }
                st.execute(statement.replace("${user}", user).replace("${password}", password)
                        .replace("${database}", database));
            }
        }
    }

    static String script() {
        try (InputStream in = DatabaseMigration.class.getResourceAsStream(RUNTIME_USER_SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(RUNTIME_USER_SCRIPT + " is not in the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script's statements: comment lines dropped, split at a semicolon that ends a line. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(trimmed);
            if (trimmed.endsWith(";")) {
                statements.add(current.substring(0, current.length() - 1));
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            statements.add(current.toString());
        }
        return statements;
    }
}
