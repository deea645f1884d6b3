package io.presencebroker;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.presencebroker.failure.DeadLetterAttributes;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.local.EmbeddedServices;
import io.presencebroker.replay.DlqReplay;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

import static io.presencebroker.testing.SocketStatusRow.connected;
import static io.presencebroker.testing.SocketStatusRow.disconnected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

            DlqReplay.Summary dry = replay.run(Application.ReplayDlq.parse("--dry-run"));

            assertThat(dry.listed()).isEqualTo(5);
            assertThat(dry.moved()).isZero();
            assertThat(listing.toString(StandardCharsets.UTF_8))
                    .contains("Data too long for column 'disconnect_reason'", "eventType=disconnected clientId=ann",
                            "IotRuleActionFailure", "eventType=connected clientId=carl", "MaxReceiveCountExceeded");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 5);
            assertThat(SocketStatusRow.readAll()).as("a dry run changes nothing").containsExactly(connected("ann"), connected("ben"));

            DlqReplay.Summary filtered = replay.run(Application.ReplayDlq.parse("--reason", "data too long", "--rate", "20"));
            assertThat(filtered.moved()).isEqualTo(2);
            assertThat(filtered.skipped()).isEqualTo(3);
            queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
            assertThat(SocketStatusRow.readAll()).containsExactly(disconnected("ann"), disconnected("ben"));

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 3);
            DlqReplay.Summary rest = replay.run(Application.ReplayDlq.parse("--error-type", "IotRuleActionFailure"));
            DlqReplay.Summary redriven = replay.run(Application.ReplayDlq.parse("--error-type", "MaxReceiveCountExceeded", "--max", "1"));
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
            assertThat(withoutOutbox.run(Application.ReplayDlq.parse()).skipped()).as("no outbox queue configured").isEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queues.depth(DLQ)[0] == 1);
            DlqReplay withOutbox = new DlqReplay(sqs, DLQ, QUEUE, "replay-outbox", new PrintStream(listing, true, StandardCharsets.UTF_8));
            assertThat(withOutbox.run(Application.ReplayDlq.parse()).moved()).isEqualTo(1);
            assertThat(queues.drain("replay-outbox")).extracting(TestQueues.DeadLetter::body).containsExactly("{\"messageId\":\"m-1\"}");
        }
    }

    static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    /** A dead letter as the service writes it: the original body, the reason in the attributes. */
    static void deadLetter(SqsClient sqs, String dlqUrl, String body, String errorType, String errorMessage, String sourceQueue) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put(DeadLetterAttributes.ERROR_TYPE, text(errorType));
        attributes.put(DeadLetterAttributes.ERROR_MESSAGE, text(errorMessage));
        attributes.put(DeadLetterAttributes.FAILED_AT, text("2025-11-26T10:00:00Z"));
        if (sourceQueue != null) {
            attributes.put(DeadLetterAttributes.SOURCE_QUEUE, text(sourceQueue));
        }
        sqs.sendMessage(b -> b.queueUrl(dlqUrl).messageBody(body).messageAttributes(attributes));
    }

    static String iotRuleError(String clientId) {
        String event = EventJson.connected(clientId, T, "s-" + clientId, 1);
        return "{\"ruleName\":\"presence_lifecycle_to_sqs\",\"clientId\":\"" + clientId + "\",\"base64OriginalPayload\":\""
                + Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8))
                + "\",\"failures\":[{\"failedAction\":\"SqsAction\",\"errorMessage\":\"Failed to send message to SQS queue\"}]}";
    }

    /** Every message of a queue, by body (deleted: for queues whose contents the test checks last). */
    static List<String> bodies(TestQueues queues, String queue) {
        return queues.drain(queue).stream().map(TestQueues.DeadLetter::body).sorted().toList();
    }

    @Test
    void aDryRunReleasesWhatItReadAtOnceAndDeletesAndSendsNothing() {
        String events = "replay-dry-events";
        String dlq = "replay-dry-dlq";
        String outbox = "replay-dry-outbox";
        TestServices.get().createQueues(events, dlq);
        TestServices.get().createQueues(outbox, outbox + "-dlq");
        try (TestQueues queues = new TestQueues(); SqsClient sqs = TestServices.get().client()) {
            // 23 messages: three receives' worth, so a dry run that released and then received its own messages
            // again would list them twice
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String body = EventJson.connected("c" + i, T + i, "s-" + i, 1);
                deadLetter(sqs, queues.url(dlq), body, "InvalidEventException", "invalid event " + i, i % 2 == 0 ? events : null);
                all.add(body);
            }
            String redriven = EventJson.disconnected("r", T, "s-r", 1, "CONNECTION_LOST");
            sqs.sendMessage(b -> b.queueUrl(queues.url(dlq)).messageBody(redriven));
            String iot = iotRuleError("i");
            sqs.sendMessage(b -> b.queueUrl(queues.url(dlq)).messageBody(iot));
            deadLetter(sqs, queues.url(dlq), "{\"messageId\":\"m-1\"}", "InvalidEventException", "no recipients", outbox);
            assertThat(queues.depth(dlq)).containsExactly(23, 0);

            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            DlqReplay replay = new DlqReplay(sqs, dlq, events, outbox, new PrintStream(printed, true, StandardCharsets.UTF_8));
            DlqReplay.Summary dry = replay.run(Application.ReplayDlq.parse("--dry-run"));

            assertThat(dry).isEqualTo(new DlqReplay.Summary(0, 23, 0, 0));
            assertThat(printed.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("WOULD MOVE"))).hasSize(23);
            // nothing held: every message is visible as soon as the dry run returns (its receives hold for 30 s)
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(queues.depth(dlq)).as("visible, in flight").containsExactly(23, 0));
            assertThat(queues.depth(events)).as("a dry run sends nothing").containsExactly(0, 0);
            assertThat(queues.depth(outbox)).as("a dry run sends nothing").containsExactly(0, 0);

            // a real replay right after it finds every message, so the dry run deleted none
            DlqReplay.Summary real = replay.run(Application.ReplayDlq.parse("--rate", "1000"));
            assertThat(real).isEqualTo(new DlqReplay.Summary(23, 0, 0, 0));
            all.add(redriven);
            all.add(EventJson.connected("i", T, "s-i", 1));
            assertThat(bodies(queues, events)).containsExactlyElementsOf(all.stream().sorted().toList());
            assertThat(bodies(queues, outbox)).containsExactly("{\"messageId\":\"m-1\"}");
            assertThat(queues.depth(dlq)).containsExactly(0, 0);
        }
    }

    @Test
    void totalsPerErrorTypeAndReasonComeBeforeTheListAndSayHowManyMatch() {
        String events = "replay-totals-events";
        String dlq = "replay-totals-dlq";
        TestServices.get().createQueues(events, dlq);
        try (TestQueues queues = new TestQueues(); SqsClient sqs = TestServices.get().client()) {
            String url = queues.url(dlq);
            for (String c : List.of("a", "b", "c")) {
                deadLetter(sqs, url, "{\"eventType\":\"connected\",\"clientId\":\"" + c + "\"}", "InvalidEventException",
                        "timestamp is missing", events);
            }
            deadLetter(sqs, url, EventJson.disconnected("d", T, "s-d", 1, "MQTT_KEEP_ALIVE_TIMEOUT"), "MysqlDataTruncation",
                    "(conn=12) Data too long for column 'disconnect_reason' at row 1", events);
            deadLetter(sqs, url, EventJson.disconnected("e", T, "s-e", 1, "MQTT_KEEP_ALIVE_TIMEOUT"), "MysqlDataTruncation",
                    "(conn=127) Data too long for column 'disconnect_reason' at row 3", null);
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(iotRuleError("f")));
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(EventJson.connected("g", T, "s-g", 1)));
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(EventJson.connected("h", T, "s-h", 1)));
            // an outbox message while this run has no outbox queue: it matches, yet stays
            deadLetter(sqs, url, "{\"messageId\":\"m-2\"}", "InvalidEventException", "timestamp is missing", "replay-totals-outbox");

            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            DlqReplay replay = new DlqReplay(sqs, dlq, events, new PrintStream(printed, true, StandardCharsets.UTF_8));

            DlqReplay.Summary all = replay.run(Application.ReplayDlq.parse("--dry-run"));

            assertThat(all).isEqualTo(new DlqReplay.Summary(0, 8, 1, 0));
            assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("""
                    dry run: read 9 dead-lettered messages: 9 match the filters, 8 would move, 1 would stay
                      1 matching came from a queue this run was not given (outbox: PRESENCE_OUTBOX_QUEUE)
                    error type                read  match   move
                    InvalidEventException        4      4      3
                    MaxReceiveCountExceeded      2      2      2
                    MysqlDataTruncation          2      2      2
                    IotRuleActionFailure         1      1      1
                    reason                                                                           read  match   move
                    timestamp is missing                                                                4      4      3
                    (conn=#) Data too long for column 'disconnect_reason' at row #                      2      2      2
                    moved by the queue's redrive policy after maxReceiveCount receives                  2      2      2
                    IoT rule presence_lifecycle_to_sqs failed: Failed to send message to SQS queue      1      1      1
                    WOULD MOVE\s""");
            assertThat(listed(printed)).hasSize(8);

            printed.reset();
            DlqReplay.Summary filtered = replay.run(Application.ReplayDlq.parse("--dry-run", "--error-type", "InvalidEventException",
                    "--max", "2"));

            assertThat(filtered).isEqualTo(new DlqReplay.Summary(0, 2, 7, 0));
            assertThat(printed.toString(StandardCharsets.UTF_8)).as("--max limits the list, not the totals").startsWith("""
                    dry run: read 9 dead-lettered messages: 4 match the filters, 2 would move, 7 would stay
                      1 matching came from a queue this run was not given (outbox: PRESENCE_OUTBOX_QUEUE)
                      1 matching over --max
                    error type                read  match   move
                    InvalidEventException        4      4      2
                    MaxReceiveCountExceeded      2      0      0
                    MysqlDataTruncation          2      0      0
                    IotRuleActionFailure         1      0      0
                    reason                                                                           read  match   move
                    timestamp is missing                                                                4      4      2
                    (conn=#) Data too long for column 'disconnect_reason' at row #                      2      0      0
                    moved by the queue's redrive policy after maxReceiveCount receives                  2      0      0
                    IoT rule presence_lifecycle_to_sqs failed: Failed to send message to SQS queue      1      0      0
                    WOULD MOVE\s""");
            assertThat(listed(printed)).hasSize(2).allMatch(l -> l.contains("InvalidEventException"));

            // a real run prints the same totals once it is done (columns moved and failed), and no list
            printed.reset();
            DlqReplay.Summary real = replay.run(Application.ReplayDlq.parse("--reason", "DATA TOO LONG", "--rate", "1000"));

            assertThat(real).isEqualTo(new DlqReplay.Summary(2, 0, 7, 0));
            assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo("""
                    replayed: read 9 dead-lettered messages: 2 match the filters, 2 moved, 0 failed, 7 stay
                    error type                read  match  moved  failed
                    InvalidEventException        4      0      0       0
                    MaxReceiveCountExceeded      2      0      0       0
                    MysqlDataTruncation          2      2      2       0
                    IotRuleActionFailure         1      0      0       0
                    reason                                                                           read  match  moved  failed
                    timestamp is missing                                                                4      0      0       0
                    (conn=#) Data too long for column 'disconnect_reason' at row #                      2      2      2       0
                    moved by the queue's redrive policy after maxReceiveCount receives                  2      0      0       0
                    IoT rule presence_lifecycle_to_sqs failed: Failed to send message to SQS queue      1      0      0       0
                    """);
            assertThat(bodies(queues, events)).hasSize(2).allMatch(b -> b.contains("MQTT_KEEP_ALIVE_TIMEOUT"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(queues.depth(dlq)).containsExactly(7, 0));
        }
    }

    static List<String> listed(ByteArrayOutputStream printed) {
        return printed.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("WOULD MOVE")).toList();
    }

    @Test
    void aDryRunCutOffMidwayHoldsOnlyItsLastReceiveAndOnlyBriefly() {
        String events = "replay-cut-events";
        String dlq = "replay-cut-dlq";
        TestServices.get().createQueues(events, dlq);
        // a real client on the real ElasticMQ whose every call fails once it has received three times: the dry run
        // can neither release nor go on, as when its process is killed or its network goes away mid-run
        AtomicInteger receives = new AtomicInteger();
        ExecutionInterceptor cut = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (receives.get() >= 3) {
                    throw new IllegalStateException("cut off");
                }
            }

            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof ReceiveMessageRequest) {
                    receives.incrementAndGet();
                }
            }
        };
        try (TestQueues queues = new TestQueues();
             SqsClient sqs = SqsClient.builder()
                     .endpointOverride(URI.create(TestServices.get().properties().get("presence.sqs.endpoint")))
                     .region(Region.of(EmbeddedServices.REGION))
                     .credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create(EmbeddedServices.ACCESS_KEY, EmbeddedServices.SECRET_KEY)))
                     .overrideConfiguration(c -> c.addExecutionInterceptor(cut)).build()) {
            for (int i = 0; i < 23; i++) {
                deadLetter(sqs, queues.url(dlq), EventJson.connected("c" + i, T, "s-" + i, 1), "InvalidEventException", "bad", null);
            }
            DlqReplay replay = new DlqReplay(sqs, dlq, events, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

            assertThatThrownBy(() -> replay.run(Application.ReplayDlq.parse("--dry-run"))).hasStackTraceContaining("cut off");

            assertThat(queues.depth(dlq)[1]).as("held: only the messages of the receive it could not release").isLessThanOrEqualTo(10);
            Awaitility.await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(queues.depth(dlq)).as("the dry run's receives hold for 30 s, not 300 s")
                            .containsExactly(23, 0));
        }
    }

    @Test
    void optionsAreValidated() {
        assertThat(Application.ReplayDlq.parse("--max", "5", "--dry-run")).isEqualTo(
                new DlqReplay.Options(5, true, null, null, 50));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Application.ReplayDlq.parse("--bogus"))
                .hasMessageContaining("Unknown option: '--bogus'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Application.ReplayDlq.parse("--max", "0"))
                .hasMessageContaining("positive");
    }
}
