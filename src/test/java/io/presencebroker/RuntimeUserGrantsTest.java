package io.presencebroker;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.delivery.DeliveryLog;
import io.presencebroker.delivery.MqttTestClient;
import io.presencebroker.delivery.OutboxJson;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.store.DatabaseMigration;
import io.presencebroker.testing.TestMariaDb;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Least privilege, on a MariaDB with grant tables ({@link TestMariaDb#secure()}): the `migrate` command, as the
 * administrator (the RDS master user's stand-in), migrates and creates the runtime user from deploy/runtime-user.sql;
 * the service, connected as that user with PRESENCE_DB_MIGRATE=false, applies lifecycle events, delivers over MQTT and
 * as push requests, and prunes the delivery log; the user can do nothing else.
 */
class RuntimeUserGrantsTest {

    static final String DATABASE = "presence_grants";
    static final String USER = "presence_app";
    static final String PASSWORD = "app-Runtime-1";

    static Map<String, String> migration(TestMariaDb db, String database) {
        return Map.of("presence.db.url", db.verifiedUrl(database), "presence.db.user", TestMariaDb.ADMIN,
                "presence.db.password", TestMariaDb.ADMIN_PASSWORD, "presence.db.runtime-user", USER,
                "presence.db.runtime-password", PASSWORD);
    }

    static TestMariaDb migrated() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        try (Connection c = db.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + DATABASE);
        }
        // twice: the command is idempotent
        assertThat(DatabaseMigration.main(migration(db, DATABASE))).isZero();
        assertThat(DatabaseMigration.main(migration(db, DATABASE))).isZero();
        return db;
    }

    /**
     * With Secrets Manager rotating the runtime password (the stack sets PRESENCE_DB_RUNTIME_PASSWORD_RESET=false), a
     * migrate run with the password of before (a task started in a rotation's window) leaves the rotated one; by
     * default the run sets the given password.
     */
    @Test
    void aRotatedPasswordIsKeptUnlessTheRunResetsIt() throws Exception {
        TestMariaDb db = migrated();
        String rotated = "rotated-Runtime-2";
        db.changePassword(USER, rotated);
        java.util.Map<String, String> keep = new java.util.HashMap<>(migration(db, DATABASE));
        keep.put("presence.db.runtime-password-reset", "false");

        assertThat(DatabaseMigration.main(keep)).isZero();
        try (Connection c = java.sql.DriverManager.getConnection(db.verifiedUrl(DATABASE), USER, rotated)) {
            assertThat(c.isValid(2)).as("the rotated password still logs in").isTrue();
        }

        assertThat(DatabaseMigration.main(migration(db, DATABASE))).isZero();
        try (Connection c = java.sql.DriverManager.getConnection(db.verifiedUrl(DATABASE), USER, PASSWORD)) {
            assertThat(c.isValid(2)).as("the default run set the given password").isTrue();
        }
    }

    @Test
    void theRuntimeUserHasExactlyTheServicesPrivileges() throws Exception {
        TestMariaDb db = migrated();
        TreeSet<String> grants = new TreeSet<>();
        try (Connection c = db.admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GRANTS FOR '" + USER + "'@'%'")) {
            while (rs.next()) {
                grants.add(rs.getString(1).replaceAll(" IDENTIFIED BY PASSWORD '[^']*'", ""));
            }
        }
        String to = " TO `" + USER + "`@`%`";
        assertThat(grants).containsExactlyInAnyOrder(
                "GRANT USAGE ON *.*" + to,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + DATABASE + "`.`client_presence`" + to,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + DATABASE + "`.`client_subscription`" + to,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + DATABASE + "`.`delivery_log`" + to,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + DATABASE + "`.`delivery_receipt`" + to,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `" + DATABASE + "`.`presence_announcement`" + to,
                "GRANT SELECT ON `" + DATABASE + "`.`socket_status`" + to,
                "GRANT SELECT ON `" + DATABASE + "`.`user_socket_status`" + to,
                "GRANT SELECT ON `" + DATABASE + "`.`user_presence`" + to,
                "GRANT SELECT, INSERT, DELETE ON `" + DATABASE + "`.`client_presence_history`" + to,
                "GRANT SELECT ON `" + DATABASE + "`.`flyway_schema_history`" + to);
        try (Connection c = DriverManager.getConnection(db.verifiedUrl(DATABASE), USER, PASSWORD);
             Statement st = c.createStatement()) {
            for (String forbidden : List.of("CREATE TABLE x (id INT)", "DROP TABLE client_presence",
                    "ALTER TABLE delivery_log ADD COLUMN x INT", "DELETE FROM flyway_schema_history",
                    "SELECT COUNT(*) FROM mysql.user")) {
                assertThatThrownBy(() -> st.execute(forbidden)).as(forbidden).isInstanceOf(SQLException.class)
                        .hasMessageContaining("denied");
            }
        }
    }

    @Test
    void theServiceWorksAsTheRuntimeUser() throws Exception {
        TestMariaDb db = migrated();
        Map<String, String> s = TestServices.settings("grants-events", "grants-events-dlq");
        TestServices.get().createQueues("grants-outbox", "grants-outbox-dlq");
        TestServices.get().createQueues("grants-push", "grants-push-dlq");
        s.put("presence.db.url", db.verifiedUrl(DATABASE));
        s.put("presence.db.user", USER);
        s.put("presence.db.password", PASSWORD);
        s.put("presence.db.migrate", "false");
        s.put("presence.delivery.enabled", "true");
        s.put("presence.outbox-queue", "grants-outbox");
        s.put("presence.push-queue", "grants-push");
        s.put("presence.delivery.consumers", "1");
        s.put("presence.api.enabled", "false");
        long t = System.currentTimeMillis() - 60_000;
        String message = "grants-m-" + System.nanoTime();
        try (EmbeddedMqtt mqtt = EmbeddedMqtt.start(); TestQueues queues = new TestQueues()) {
            s.put("presence.mqtt.broker-url", mqtt.brokerUrl());
            try (PresenceBroker broker = new PresenceBroker(s).start();
                 MqttTestClient alice = new MqttTestClient(mqtt.brokerUrl(), "g-alice", "app/g-alice/chat/5")) {
                queues.send("grants-events", EventJson.connected("g-alice", t, "s-a", 1),
                        EventJson.subscription("subscribed", "g-alice", t + 1, "s-a", List.of("app/g-alice/chat/5")),
                        EventJson.connected("g-carol", t, "s-c", 1),
                        EventJson.disconnected("g-carol", t + 5, "s-c", 1, "CONNECTION_LOST"));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> socketStatus(db).size() == 2);
                assertThat(socketStatus(db)).containsExactly("g-alice true 5", "g-carol false null");

                queues.send("grants-outbox", OutboxJson.message(message, "5", "g-bob", List.of("g-alice", "g-carol"), "hi"));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !alice.payloads().isEmpty());
                List<TestQueues.DeadLetter> pushes = new ArrayList<>();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    pushes.addAll(queues.drain("grants-push"));
                    return !pushes.isEmpty();
                });
                assertThat(pushes.get(0).body()).contains("\"recipient\":\"g-carol\"");
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> deliveredPaths(db, message), p -> p.equals(List.of("g-alice socket", "g-carol push")));
                assertThat(queues.drain("grants-events-dlq")).isEmpty();
                assertThat(queues.drain("grants-outbox-dlq")).isEmpty();
            }
        }
        // the delivery log's retention DELETE, as the runtime user
        try (HikariDataSource runtime = new HikariDataSource()) {
            runtime.setJdbcUrl(db.verifiedUrl(DATABASE));
            runtime.setUsername(USER);
            runtime.setPassword(PASSWORD);
            assertThat(new DeliveryLog(runtime, 120, new io.presencebroker.failure.FailurePolicy(1)).prune(0, 100)).isGreaterThanOrEqualTo(2);
        }
        assertThat(deliveredPaths(db, message)).isEmpty();
    }

    /** With PRESENCE_DB_MIGRATE=false and a schema that was never migrated, the start fails at once, saying why. */
    @Test
    void withoutMigrationsTheServiceRefusesToStart() throws Exception {
        TestMariaDb db = TestMariaDb.secure();
        try (Connection c = db.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS presence_unmigrated");
        }
        Map<String, String> s = TestServices.settings("grants-events", "grants-events-dlq");
        s.put("presence.db.url", db.verifiedUrl("presence_unmigrated"));
        s.put("presence.db.user", TestMariaDb.ADMIN);
        s.put("presence.db.password", TestMariaDb.ADMIN_PASSWORD);
        s.put("presence.db.migrate", "false");
        assertThatThrownBy(() -> new PresenceBroker(s).start().close())
                .satisfies(e -> assertThat(DatabaseTlsTest.causes(e)).anyMatch(t -> String.valueOf(t.getMessage())
                        .contains("run the `migrate` command first")));
        try (Connection c = db.admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'presence_unmigrated'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("nothing created").isZero();
        }
    }

    static List<String> socketStatus(TestMariaDb db) throws SQLException {
        return rows(db, "SELECT client_id, is_connected, chat_id FROM socket_status WHERE client_id LIKE 'g-%' ORDER BY client_id");
    }

    static List<String> deliveredPaths(TestMariaDb db, String message) throws SQLException {
        return rows(db, "SELECT recipient, path FROM delivery_log WHERE state = 'delivered' AND message_id = '" + message
                + "' ORDER BY recipient");
    }

    static List<String> rows(TestMariaDb db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.verifiedUrl(DATABASE), TestMariaDb.ADMIN, TestMariaDb.ADMIN_PASSWORD);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                rows.add(row.toString().replace(" 1 ", " true ").replace(" 0 ", " false "));
            }
        }
        return rows;
    }
}
