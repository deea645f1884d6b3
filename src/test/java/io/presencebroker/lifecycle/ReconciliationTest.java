package io.presencebroker.lifecycle;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.IotConnectivityStandIn;
import io.presencebroker.testing.IotConnectivityStandIn.Connectivity;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import io.presencebroker.testing.UserPresenceRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconciliation on the real service (camel-main, the routes of routes/), MariaDB and ElasticMQ, against the stand-in
 * AWS IoT server through the real SDK client: a generated history sent through SQS with 5% of its disconnects dropped
 * leaves stale "online" clients; one pass makes socket_status and user_presence equal the truth, marks the repairs in
 * the history, and changes nothing that an event settled later than AWS IoT's record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconciliationTest extends ServiceTestSupport {

    static final String QUEUE = "reconcile-events";
    static final String DLQ = "reconcile-events-dlq";
    static final ObjectMapper JSON = new ObjectMapper();
    static final UnaryOperator<String> USER_OF = c -> c.contains(":") ? c.substring(0, c.indexOf(':')) : c;

    final TestQueues queues = new TestQueues();
    // static: the settings are read while the superclass is constructed
    static final IotConnectivityStandIn iot = IotConnectivityStandIn.start();

    @Override
    protected Map<String, String> settings() {
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.user-id-pattern", "^([^:]+):");
        settings.put("presence.reconcile.enabled", "true");
        settings.put("presence.reconcile.interval-ms", "3600000"); // the test runs the pass
        settings.put("presence.reconcile.requests-per-second", "2000");
        settings.put("presence.reconcile.chunk", "50");
        settings.put("presence.iot.endpoint", iot.endpoint());
        return settings;
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        queues.drain(DLQ);
    }

    @AfterAll
    void close() {
        queues.close();
        iot.close();
    }

    PresenceReconciliation reconciliation() {
        return context.getRegistry().lookupByNameAndType("presenceReconciliation", PresenceReconciliation.class);
    }

    static String reason(ReferenceModel.Event e) {
        try {
            JsonNode reason = JSON.readTree(e.json()).get("disconnectReason");
            return reason == null ? null : reason.asText();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void onePassAfterFivePercentOfTheDisconnectsWereDroppedLeavesTheTruth() throws Exception {
        HistoryGenerator generator = new HistoryGenerator(20261206L);
        List<ReferenceModel.Event> history = generator.users(250, 3, 4, "rc");
        ReferenceModel truth = ReferenceModel.of(history);
        Random random = new Random(7);
        Set<String> dropped = new HashSet<>();
        for (ReferenceModel.Event e : history) {
            if (e.type().equals("disconnected") && random.nextInt(20) == 0) {
                dropped.add(e.json());
            }
        }
        List<String> sent = new ArrayList<>(generator.deliveries(history));
        sent.removeIf(dropped::contains);
        // AWS IoT's record: each client's last transition, its time and reason
        truth.presenceWinners().forEach((client, e) -> iot.put(client, new Connectivity(e.type().equals("connected"),
                e.timestamp(), e.type().equals("disconnected") ? reason(e) : null)));

        queues.send(QUEUE, sent);
        queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
        assertThat(queues.drain(DLQ)).isEmpty();
        List<SocketStatusRow> before = SocketStatusRow.readAll();
        assertThat(before).as("the dropped disconnects leave stale clients").isNotEqualTo(truth.socketStatus());
        long stale = staleClients(truth);
        assertThat(stale).isPositive();

        List<String> lines = new ArrayList<>();
        PresenceReconciliation.Report report = reconciliation().run(false, null, lines::add);

        System.out.printf("reconcile: %d events, %d disconnects dropped, %d clients stale; pass: %s%n",
                history.size(), dropped.size(), stale, report.summary());
        assertThat(SocketStatusRow.readAll()).isEqualTo(truth.socketStatus());
        assertThat(UserPresenceRow.readAll()).isEqualTo(truth.userPresence(USER_OF));
        assertThat(report.count(ReconcileVerdict.Outcome.REPAIRED)).isEqualTo(stale);
        assertThat(column("SELECT COUNT(*) FROM client_presence_history WHERE repaired")).containsExactly(String.valueOf(stale));
        // a second pass finds nothing more to repair
        PresenceReconciliation.Report again = reconciliation().run(false, null, line -> { });
        assertThat(again.count(ReconcileVerdict.Outcome.REPAIRED)).isZero();
        assertThat(again.requests()).isEqualTo(connectedClients(truth));
    }

    @Test
    void nothingANewerEventSettledIsChangedAndADryRunChangesNothing() throws Exception {
        long t = System.currentTimeMillis() - 3_600_000;
        queues.send(QUEUE, List.of(
                connected("newer-1", t, 3, "s-a"), // AWS's disconnect (t - 10 s) is older: a stale record
                connected("stale-1", t, 3, "s-b"), // AWS: disconnected at t + 60 s: repaired
                connected("same-1", t, 3, "s-c"), // AWS: connected since t: agrees
                connected("reconnected-1", t, 3, "s-d"), // AWS: a connection from t + 90 s: reported, not repaired
                disconnected("missed-1", t, 3, "s-e"))); // AWS: connected since t + 30 s: reported, not repaired
        queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
        assertThat(queues.drain(DLQ)).isEmpty();
        iot.put("newer-1", new Connectivity(false, t - 10_000, "CONNECTION_LOST"));
        iot.put("stale-1", new Connectivity(false, t + 60_000, "MQTT_KEEP_ALIVE_TIMEOUT"));
        iot.put("same-1", new Connectivity(true, t, null));
        iot.put("reconnected-1", new Connectivity(true, t + 90_000, null));
        iot.put("missed-1", new Connectivity(true, t + 30_000, null));
        List<SocketStatusRow> before = SocketStatusRow.readAll();

        List<String> dry = new ArrayList<>();
        PresenceReconciliation.Report dryRun = reconciliation().run(true, null, dry::add);
        assertThat(SocketStatusRow.readAll()).as("a dry run changes nothing").isEqualTo(before);
        assertThat(dry).anyMatch(l -> l.startsWith("stale-1: would repair"));
        assertThat(dryRun.count(ReconcileVerdict.Outcome.REPAIRED)).isEqualTo(1);

        List<String> lines = new ArrayList<>();
        PresenceReconciliation.Report report = reconciliation().run(false, null, lines::add);
        assertThat(report.count(ReconcileVerdict.Outcome.REPAIRED)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.STORE_NEWER)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.NEWER_CONNECTION)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.AGREES)).isEqualTo(1);
        assertThat(report.requests()).as("only the clients stored connected are asked").isEqualTo(4);
        assertThat(SocketStatusRow.readAll()).containsExactly(
                SocketStatusRow.disconnected("missed-1"), SocketStatusRow.connected("newer-1"),
                SocketStatusRow.connected("reconnected-1"), SocketStatusRow.connected("same-1"),
                SocketStatusRow.disconnected("stale-1"));
        assertThat(column("SELECT CONCAT(client_id, ' ', event_ts, ' ', disconnect_reason, ' ', repaired)"
                + " FROM client_presence_history WHERE NOT connected"))
                .contains("stale-1 " + (t + 60_000) + " MQTT_KEEP_ALIVE_TIMEOUT 1");

        // a disagreement about a client stored disconnected is found when it is asked about, and only reported
        List<String> one = new ArrayList<>();
        PresenceReconciliation.Report single = reconciliation().run(false, "missed-1", one::add);
        assertThat(single.count(ReconcileVerdict.Outcome.MISSED_CONNECT)).isEqualTo(1);
        assertThat(single.requests()).isEqualTo(1);
        assertThat(one).singleElement().asString().startsWith("missed-1: missed_connect");

        // the real disconnect arriving late changes nothing the repair did not already say; a reconnect wins over it
        queues.send(QUEUE, List.of(disconnected("stale-1", t + 60_000, 3, "s-b"), connected("stale-1", t + 120_000, 4, "s-f")));
        queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
        assertThat(SocketStatusRow.readAll()).contains(SocketStatusRow.connected("stale-1"));
        assertThat(queues.drain(DLQ)).isEmpty();
    }

    @Test
    void throttlingIsRetriedAndWhatTheRecordDoesNotProveIsReportedNotRepaired() throws Exception {
        long t = System.currentTimeMillis() - 3_600_000;
        queues.send(QUEUE, List.of(connected("unknown-1", t, 1, "s"), connected("gone-1", t, 1, "s"),
                connected("blank-1", t + 1_800_000, 1, "s"), connected("long-gone-1", t - 3_600_000, 1, "s")));
        queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
        assertThat(queues.drain(DLQ)).isEmpty();
        // disconnected about an hour: AWS dropped the time but kept the reason
        iot.put("gone-1", new Connectivity(false, null, "MQTT_KEEP_ALIVE_TIMEOUT"));
        // no time, no reason, and the stored connect half an hour old: AWS does not know that connection (a thing
        // connected before indexing was on)
        iot.put("blank-1", new Connectivity(false, null, null));
        // no time, no reason, the stored connect two hours old: a disconnect after it whose details AWS dropped
        iot.put("long-gone-1", new Connectivity(false, null, null));
        iot.throttleNext(2);

        PresenceReconciliation.Report report = reconciliation().run(false, null, line -> { });

        assertThat(report.count(ReconcileVerdict.Outcome.NOT_COVERED)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.UNPROVABLE)).isEqualTo(1);
        assertThat(report.count(ReconcileVerdict.Outcome.REPAIRED)).isEqualTo(2);
        assertThat(SocketStatusRow.readAll()).containsExactly(SocketStatusRow.connected("blank-1"),
                SocketStatusRow.disconnected("gone-1"), SocketStatusRow.disconnected("long-gone-1"),
                SocketStatusRow.connected("unknown-1"));
        // repaired just after its stored connect: a reconnect with the version AWS resets after about an hour
        // disconnected (so an hour or more after that connect, past the 30-minute gap) still wins
        queues.send(QUEUE, List.of(connected("gone-1", t + 3_660_000, 0, "s-2")));
        queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
        assertThat(SocketStatusRow.readAll()).contains(SocketStatusRow.connected("gone-1"));
    }

    long staleClients(ReferenceModel truth) throws SQLException {
        Set<String> connectedInStore = new HashSet<>(column("SELECT client_id FROM client_presence WHERE connected"));
        return truth.presenceWinners().entrySet().stream()
                .filter(e -> e.getValue().type().equals("disconnected") && connectedInStore.contains(e.getKey())).count();
    }

    static int connectedClients(ReferenceModel truth) {
        return (int) truth.presenceWinners().values().stream().filter(e -> e.type().equals("connected")).count();
    }

    static String connected(String client, long ts, long version, String session) {
        return "{\"clientId\":\"" + client + "\",\"timestamp\":" + ts + ",\"eventType\":\"connected\",\"sessionIdentifier\":\""
                + session + "\",\"principalIdentifier\":\"p\",\"ipAddress\":\"10.0.0.1\",\"versionNumber\":" + version + "}";
    }

    static String disconnected(String client, long ts, long version, String session) {
        return "{\"clientId\":\"" + client + "\",\"timestamp\":" + ts + ",\"eventType\":\"disconnected\",\"sessionIdentifier\":\""
                + session + "\",\"principalIdentifier\":\"p\",\"clientInitiatedDisconnect\":false,\"disconnectReason\":\"CONNECTION_LOST\",\"versionNumber\":" + version + "}";
    }

    static List<String> column(String sql) throws SQLException {
        return PresenceRetentionTest.column(sql);
    }
}
