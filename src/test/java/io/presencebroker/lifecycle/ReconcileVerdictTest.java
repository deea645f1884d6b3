package io.presencebroker.lifecycle;

import io.presencebroker.lifecycle.ReconcileVerdict.Outcome;
import io.presencebroker.lifecycle.ReconcileVerdict.Record;
import io.presencebroker.lifecycle.ReconcileVerdict.Stored;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The verdict on one client: a repair only where AWS IoT's record proves a disconnect later than the store's event. */
class ReconcileVerdictTest {

    static final long T = 1_800_000_000_000L;
    static final Stored CONNECTED = new Stored("alice:phone", "alice", true, 7, T, "s-1");
    static final Stored DISCONNECTED = new Stored("alice:phone", "alice", false, 7, T, "s-1");

    static Record record(boolean connected, Long at, String reason) {
        return new Record(true, connected, at, reason, T + 3_600_000 + 1);
    }

    @Test
    void aLaterDisconnectIsRepairedAsTheDisconnectOfTheStoredConnection() {
        ReconcileVerdict v = ReconcileVerdict.decide(CONNECTED, record(false, T + 1, "CONNECTION_LOST"));

        assertThat(v.outcome()).isEqualTo(Outcome.REPAIRED);
        assertThat(v.repair()).isEqualTo(new RowUpdate.Presence("alice:phone", "alice", false, 7, T + 1, "s-1",
                "CONNECTION_LOST", true));
    }

    @Test
    void aDisconnectWithoutTimeButWithAReasonIsRepairedJustAfterTheStoredEvent() {
        ReconcileVerdict v = ReconcileVerdict.decide(CONNECTED, record(false, null, "MQTT_KEEP_ALIVE_TIMEOUT"));

        assertThat(v.outcome()).isEqualTo(Outcome.REPAIRED);
        // not the time of the answer: a reconnect with a reset version within the gap of that would lose to it
        assertThat(v.repair().timestamp()).isEqualTo(T + 1);
        assertThat(v.repair().disconnectReason()).isEqualTo("MQTT_KEEP_ALIVE_TIMEOUT");
    }

    @Test
    void aDisconnectWithNeitherTimeNorReasonIsRepairedOnlyAfterAStoredConnectOlderThanAnHour() {
        // asked more than an hour after the stored connect: AWS dropped the details of a disconnect after it
        ReconcileVerdict old = ReconcileVerdict.decide(CONNECTED, record(false, null, "UNKNOWN"));
        assertThat(old.outcome()).isEqualTo(Outcome.REPAIRED);
        assertThat(old.repair().timestamp()).isEqualTo(T + 1);
        assertThat(old.repair().disconnectReason()).isNull();
        // asked within the hour: AWS does not know the stored connection (not tracked when it connected)
        Record recent = new Record(true, false, null, null, T + 60_000);
        assertThat(ReconcileVerdict.decide(CONNECTED, recent).outcome()).isEqualTo(Outcome.UNPROVABLE);
    }

    @Test
    void aReplacedConnectionProvesNothing() {
        // the old connection kicked by the new one, its disconnect stamped after the new connect the store holds
        ReconcileVerdict kicked = ReconcileVerdict.decide(CONNECTED, record(false, T + 5, "DUPLICATE_CLIENTID"));
        assertThat(kicked.outcome()).isEqualTo(Outcome.UNPROVABLE);
        assertThat(kicked.repair()).isNull();
    }

    @Test
    void aDisconnectNotLaterThanTheStoredEventProvesNothing() {
        assertThat(ReconcileVerdict.decide(CONNECTED, record(false, T, "CONNECTION_LOST")).outcome())
                .isEqualTo(Outcome.STORE_NEWER);
        assertThat(ReconcileVerdict.decide(CONNECTED, record(false, T - 5, null)).outcome()).isEqualTo(Outcome.STORE_NEWER);
    }

    @Test
    void missingConnectsAreReportedNeverRepaired() {
        ReconcileVerdict newer = ReconcileVerdict.decide(CONNECTED, record(true, T + 1, null));
        ReconcileVerdict missed = ReconcileVerdict.decide(DISCONNECTED, record(true, T + 1, null));

        assertThat(newer.outcome()).isEqualTo(Outcome.NEWER_CONNECTION);
        assertThat(missed.outcome()).isEqualTo(Outcome.MISSED_CONNECT);
        assertThat(newer.repair()).isNull();
        assertThat(missed.repair()).isNull();
        assertThat(newer.outcome().unrepairable()).isTrue();
        assertThat(missed.outcome().unrepairable()).isTrue();
    }

    @Test
    void agreementAndNoRecord() {
        assertThat(ReconcileVerdict.decide(CONNECTED, record(true, T, null)).outcome()).isEqualTo(Outcome.AGREES);
        assertThat(ReconcileVerdict.decide(DISCONNECTED, record(false, T + 9, "CLIENT_INITIATED_DISCONNECT")).outcome())
                .isEqualTo(Outcome.AGREES);
        assertThat(ReconcileVerdict.decide(DISCONNECTED, record(true, T - 1, null)).outcome()).isEqualTo(Outcome.STORE_NEWER);
        assertThat(ReconcileVerdict.decide(CONNECTED, Record.notFound(T)).outcome()).isEqualTo(Outcome.NOT_COVERED);
        assertThat(ReconcileVerdict.askable("alice:phone-1_x")).isTrue();
        assertThat(ReconcileVerdict.askable("alice phone")).isFalse();
        assertThat(ReconcileVerdict.askable("a".repeat(129))).isFalse();
    }
}
