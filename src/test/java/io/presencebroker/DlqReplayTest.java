package io.presencebroker;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.replay.DlqReplay;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

import static io.presencebroker.testing.SocketStatusRow.connected;
import static io.presencebroker.testing.SocketStatusRow.disconnected;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replay end to end: events dead-lettered because a column was too narrow are replayed once it is widened and then
 * applied; a dry run changes nothing; IoT error-action messages and messages SQS redrove are understood too.
 */
class DlqReplayTest {

    static final String QUEUE = "replay-events";
    static final String DLQ = "replay-events-dlq";
    static final long T = 1_764_151_200_000L;

    static void alter(String sql) throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void eventsDeadLetteredForAFixedCauseAreReplayedAndApplied() throws Exception {
        TestServices.clearDatabase();
        var settings = TestServices.settings(QUEUE, DLQ);
        try (PresenceBroker broker = new PresenceBroker(settings).start();
             TestQueues queues = new TestQueues();
             SqsClient sqs = TestServices.get().client()) {
            alter("ALTER TABLE client_presence MODIFY disconnect_reason VARCHAR(8) NULL");
            try {
                queues.send(QUEUE, EventJson.connected("ann", T, "s-a", 1), EventJson.connected("ben", T, "s-b", 1));
                queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
                queues.send(QUEUE, EventJson.disconnected("ann", T + 10, "s-a", 1, "MQTT_KEEP_ALIVE_TIMEOUT"),
                        EventJson.disconnected("ben", T + 10, "s-b", 1, "CONNECTION_LOST"),
                        "garbage that stays garbage");
                queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 3);
            } finally {
                alter("ALTER TABLE client_presence MODIFY disconnect_reason VARCHAR(64) NULL");
            }
            // an IoT rule error action and a message redriven by SQS (no attributes) land there too
            String carlConnected = EventJson.connected("carl", T, "s-c", 3);
            sqs.sendMessage(b -> b.queueUrl(queues.url(DLQ)).messageBody("{\"ruleName\":\"presence_lifecycle_to_sqs\","
                    + "\"topic\":\"$aws/events/presence/connected/carl\",\"clientId\":\"carl\",\"base64OriginalPayload\":\""
                    + Base64.getEncoder().encodeToString(carlConnected.getBytes(StandardCharsets.UTF_8))
                    + "\",\"failures\":[{\"failedAction\":\"SqsAction\",\"errorMessage\":\"Failed to send message to SQS queue\"}]}"));
            sqs.sendMessage(b -> b.queueUrl(queues.url(DLQ)).messageBody(EventJson.connected("dora", T, "s-d", 2)));
            assertThat(SocketStatusRow.readAll()).containsExactly(connected("ann"), connected("ben"));

            ByteArrayOutputStream listing = new ByteArrayOutputStream();
            DlqReplay replay = new DlqReplay(sqs, DLQ, QUEUE, new PrintStream(listing, true, StandardCharsets.UTF_8));

            DlqReplay.Summary dry = replay.run(DlqReplay.Options.parse("--dry-run"));

            assertThat(dry.listed()).isEqualTo(5);
            assertThat(dry.moved()).isZero();
            assertThat(listing.toString(StandardCharsets.UTF_8))
                    .contains("Data too long for column 'disconnect_reason'", "eventType=disconnected clientId=ann",
                            "IotRuleActionFailure", "eventType=connected clientId=carl", "MaxReceiveCountExceeded");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 5);
            assertThat(SocketStatusRow.readAll()).as("a dry run changes nothing").containsExactly(connected("ann"), connected("ben"));

            DlqReplay.Summary filtered = replay.run(DlqReplay.Options.parse("--reason", "data too long", "--rate", "20"));
            assertThat(filtered.moved()).isEqualTo(2);
            assertThat(filtered.skipped()).isEqualTo(3);
            queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
            assertThat(SocketStatusRow.readAll()).containsExactly(disconnected("ann"), disconnected("ben"));

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 3);
            DlqReplay.Summary rest = replay.run(DlqReplay.Options.parse("--error-type", "IotRuleActionFailure"));
            DlqReplay.Summary redriven = replay.run(DlqReplay.Options.parse("--error-type", "MaxReceiveCountExceeded", "--max", "1"));
            assertThat(rest.moved() + redriven.moved()).isEqualTo(2);
            queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
            assertThat(SocketStatusRow.readAll()).containsExactly(disconnected("ann"), disconnected("ben"),
                    connected("carl"), connected("dora"));

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 1);
            List<TestQueues.DeadLetter> left = queues.drain(DLQ);
            assertThat(left).extracting(TestQueues.DeadLetter::body).containsExactly("garbage that stays garbage");

            // an outbox message dead-lettered by the delivery flow goes back to the outbox queue, never to the events
            TestServices.get().createQueues("replay-outbox", "replay-outbox-dlq");
            sqs.sendMessage(b -> b.queueUrl(queues.url(DLQ)).messageBody("{\"messageId\":\"m-1\"}")
                    .messageAttributes(java.util.Map.of(
                            "errorType", software.amazon.awssdk.services.sqs.model.MessageAttributeValue.builder()
                                    .dataType("String").stringValue("InvalidEventException").build(),
                            "sourceQueue", software.amazon.awssdk.services.sqs.model.MessageAttributeValue.builder()
                                    .dataType("String").stringValue("replay-outbox").build())));
            DlqReplay withoutOutbox = replay;
            assertThat(withoutOutbox.run(DlqReplay.Options.parse()).skipped()).as("no outbox queue configured").isEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 1);
            DlqReplay withOutbox = new DlqReplay(sqs, DLQ, QUEUE, "replay-outbox", new PrintStream(listing, true, StandardCharsets.UTF_8));
            assertThat(withOutbox.run(DlqReplay.Options.parse()).moved()).isEqualTo(1);
            assertThat(queues.drain("replay-outbox")).extracting(TestQueues.DeadLetter::body).containsExactly("{\"messageId\":\"m-1\"}");
        }
    }

    @Test
    void optionsAreValidated() {
        assertThat(DlqReplay.Options.parse("--max", "5", "--dry-run")).isEqualTo(
                new DlqReplay.Options(5, true, null, null, 50));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DlqReplay.Options.parse("--bogus"))
                .hasMessageContaining("unknown option --bogus");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DlqReplay.Options.parse("--max", "0"))
                .hasMessageContaining("positive");
    }
}
