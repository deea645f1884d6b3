package io.presencebroker.lifecycle;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.IotConnectivityStandIn.Connectivity;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reconcile [--dry-run] [--client ID]} as an operator runs it: the service's settings (the real MariaDB, the
 * stand-in AWS IoT server through the SDK), a dry run that prints the repair and changes nothing, then the repair.
 */
class ReconcileCommandTest {

    static final long T = 1_800_000_000_000L;

    @BeforeEach
    void clean() throws SQLException {
        TestServices.clearDatabase();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO client_presence (client_id, user_id, connected, version_number, event_rank, event_ts,"
                    + " session_id) VALUES ('cmd-1', 'cmd-1', TRUE, 4, 0, " + T + ", 's'), ('cmd-2', 'cmd-2', TRUE, 2, 0, "
                    + T + ", 's')");
        }
    }

    static String run(Map<String, String> settings, String... args) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        boolean dryRun = java.util.List.of(args).contains("--dry-run");
        String client = java.util.List.of(args).contains("--client") ? args[args.length - 1] : null;
        int code = ReconcileCommand.run(dryRun, client, settings, new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aDryRunPrintsTheRepairAndChangesNothingThenTheRunRepairs() throws Exception {
        try (IotConnectivityStandIn iot = IotConnectivityStandIn.start()) {
            iot.put("cmd-1", new Connectivity(false, T + 60_000, "MQTT_KEEP_ALIVE_TIMEOUT"));
            iot.put("cmd-2", new Connectivity(true, T, null));
            Map<String, String> settings = new LinkedHashMap<>(TestServices.get().properties());
            settings.put("presence.iot.endpoint", iot.endpoint());

            String dry = run(settings, "--dry-run");
            assertThat(dry).contains("cmd-1: would repair").contains("Dry run, nothing changed: agrees=1 repaired=1");
            assertThat(SocketStatusRow.readAll()).containsExactly(SocketStatusRow.connected("cmd-1"),
                    SocketStatusRow.connected("cmd-2"));

            String one = run(settings, "--client", "cmd-1");
            assertThat(one).contains("cmd-1: repaired").contains("Reconciled: agrees=0 repaired=1");
            assertThat(SocketStatusRow.readAll()).containsExactly(SocketStatusRow.disconnected("cmd-1"),
                    SocketStatusRow.connected("cmd-2"));
            assertThat(run(settings, "--client", "nobody")).contains("nobody: not stored");
        }
    }
}
