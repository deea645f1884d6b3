package io.presencebroker.replay;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.presencebroker.json.StrictJson;
import io.presencebroker.config.Settings;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.failure.DeadLetterAttributes;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * {@code replay-dlq}: moves messages from the dead-letter queue back to the events queue once their cause is fixed.
 * Outbox messages that failed in a delivery route go back to the outbox queue instead (skipped when
 * PRESENCE_OUTBOX_QUEUE is not set). It understands the three kinds of message found there: the service's own (original body, reason attributes),
 * messages SQS redrove after maxReceiveCount (original body, no attributes), and IoT Rule error-action messages (the
 * event is in {@code base64OriginalPayload}). It sends first and deletes from the dead-letter queue only after the
 * send succeeded, so a crash duplicates at worst (harmless: updates are idempotent) and never loses.
 */
public final class DlqReplay {

    private static final int HOLD_SECONDS = 300;

    /** Command-line options. */
    public record Options(int max, boolean dryRun, String reason, String errorType, double ratePerSecond) {

        public static Options parse(String... args) {
            int max = Integer.MAX_VALUE;
            boolean dryRun = false;
            String reason = null;
            String errorType = null;
            double rate = 50;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--max" -> max = Integer.parseInt(value(args, ++i, "--max"));
                    case "--dry-run" -> dryRun = true;
                    case "--reason" -> reason = value(args, ++i, "--reason");
                    case "--error-type" -> errorType = value(args, ++i, "--error-type");
                    case "--rate" -> rate = Double.parseDouble(value(args, ++i, "--rate"));
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
                }
            }
            if (max < 1 || rate <= 0) {
                throw new IllegalArgumentException("--max and --rate must be positive\n" + USAGE);
            }
            return new Options(max, dryRun, reason, errorType, rate);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
            }
            return args[i];
        }
    }

    public static final String USAGE = """
            usage: presence-broker replay-dlq [--max N] [--dry-run] [--reason TEXT] [--error-type TYPE] [--rate PER_SECOND]
              --max N            move at most N messages (default: all)
              --dry-run          list what would move (reason, eventType, clientId, first failure time); change nothing
              --reason TEXT      only messages whose reason contains TEXT (case-insensitive)
              --error-type TYPE  only messages of this error type (InvalidEventException, MysqlDataTruncation,
                                 MaxReceiveCountExceeded, IotRuleActionFailure, ...)
              --rate N           at most N messages per second (default 50)
            Queues and endpoint come from PRESENCE_DLQ, PRESENCE_EVENTS_QUEUE, AWS_REGION, PRESENCE_SQS_ENDPOINT.""";

    /** What one run did. */
    public record Summary(int moved, int listed, int skipped, int failed) {
        @Override
        public String toString() {
            return "replay-dlq: moved=%d listed=%d skipped=%d failed=%d".formatted(moved, listed, skipped, failed);
        }
    }

    /** One dead-lettered message, understood. */
    record DeadLetter(Message message, String originalBody, String source, String errorType, String reason,
                      String eventType, String clientId, String firstFailure, String sourceQueue) {
    }

    private final SqsClient sqs;
    private final String dlqUrl;
    private final String eventsUrl;
    private final String outboxUrl;
    private final String outboxQueue;
    private final String eventsQueue;
    private final PrintStream out;

    public DlqReplay(SqsClient sqs, String dlq, String eventsQueue, PrintStream out) {
        this(sqs, dlq, eventsQueue, null, out);
    }

    /**
     * @param outboxQueue where dead-lettered outbox messages (failed in a {@code delivery} route) go back to; null
     *                    or empty: they are skipped and stay in the dead-letter queue
     */
    public DlqReplay(SqsClient sqs, String dlq, String eventsQueue, String outboxQueue, PrintStream out) {
        this.sqs = sqs;
        this.dlqUrl = sqs.getQueueUrl(b -> b.queueName(dlq)).queueUrl();
        this.eventsUrl = sqs.getQueueUrl(b -> b.queueName(eventsQueue)).queueUrl();
        this.outboxQueue = outboxQueue;
        this.eventsQueue = eventsQueue;
        this.outboxUrl = outboxQueue == null || outboxQueue.isBlank() ? null
                : sqs.getQueueUrl(b -> b.queueName(outboxQueue)).queueUrl();
        this.out = out;
    }

    /** The {@code replay-dlq} command; returns the exit code. */
    public static int main(String[] args, Map<String, String> overrides) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        return replay(options, overrides);
    }

    /** The {@code replay-dlq} command with its options; returns the exit code. */
    public static int replay(Options options, Map<String, String> overrides) {
        Settings settings = Settings.load(overrides);
        try (SqsClient sqs = SqsClients.create(settings, 1)) {
            DlqReplay replay = new DlqReplay(sqs, settings.require("presence.dlq"),
                    settings.require("presence.events-queue"), settings.get("presence.outbox-queue"), System.out);
            Summary summary = replay.run(options);
            System.out.println(summary);
            return summary.failed() > 0 ? 1 : 0;
        }
    }

    public Summary run(Options options) {
        int moved = 0;
        int listed = 0;
        int skipped = 0;
        int failed = 0;
        List<Message> release = new ArrayList<>();
        long intervalNanos = (long) (1_000_000_000L / options.ratePerSecond());
        long nextSend = System.nanoTime();
        try {
            while (moved + listed < options.max()) {
                List<Message> batch = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(dlqUrl)
                        .maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout(HOLD_SECONDS)
                        .messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL).build()).messages();
                if (batch.isEmpty()) {
                    break;
                }
                for (Message m : batch) {
                    if (moved + listed >= options.max()) {
                        release.add(m);
                        continue;
                    }
                    DeadLetter letter = understand(m);
                    String target = target(letter);
                    if (!matches(letter, options) || target == null) {
                        skipped++;
                        release.add(m);
                    } else if (options.dryRun()) {
                        listed++;
                        release.add(m);
                        out.println(describe(letter));
                    } else {
                        long wait = nextSend - System.nanoTime();
                        if (wait > 0) {
                            sleep(wait);
                        }
                        nextSend = Math.max(nextSend, System.nanoTime()) + intervalNanos;
                        try {
                            sqs.sendMessage(b -> b.queueUrl(target).messageBody(letter.originalBody()));
                        } catch (RuntimeException e) {
                            failed++;
                            release.add(m);
                            out.println("FAILED to send " + m.messageId() + ": " + e.getMessage());
                            continue;
                        }
                        // deleted only after the send succeeded: a crash here duplicates, never loses
                        sqs.deleteMessage(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()));
                        moved++;
                    }
                }
            }
        } finally {
            for (Message m : release) {
                sqs.changeMessageVisibility(b -> b.queueUrl(dlqUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
            }
        }
        return new Summary(moved, listed, skipped, failed);
    }

    private static boolean matches(DeadLetter letter, Options options) {
        if (options.errorType() != null && !options.errorType().equals(letter.errorType())) {
            return false;
        }
        return options.reason() == null
                || letter.reason().toLowerCase(Locale.ROOT).contains(options.reason().toLowerCase(Locale.ROOT));
    }

    static DeadLetter understand(Message m) {
        Map<String, MessageAttributeValue> attributes = m.messageAttributes();
        String firstFailure = sentAt(m);
        if (attributes.containsKey(DeadLetterAttributes.ERROR_TYPE)) {
            String body = m.body();
            JsonNode event = event(body);
            MessageAttributeValue failedAt = attributes.get(DeadLetterAttributes.FAILED_AT);
            MessageAttributeValue message = attributes.get(DeadLetterAttributes.ERROR_MESSAGE);
            MessageAttributeValue source = attributes.get(DeadLetterAttributes.SOURCE_QUEUE);
            return new DeadLetter(m, body, "service", attributes.get(DeadLetterAttributes.ERROR_TYPE).stringValue(),
                    message == null ? "" : message.stringValue(), text(event, "eventType"), text(event, "clientId"),
                    failedAt == null ? firstFailure : failedAt.stringValue(), source == null ? null : source.stringValue());
        }
        JsonNode root = json(m.body());
        if (root != null && root.hasNonNull("base64OriginalPayload") && root.hasNonNull("ruleName")) {
            String original;
            try {
                original = new String(Base64.getDecoder().decode(root.get("base64OriginalPayload").asText()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                original = m.body();
            }
            JsonNode event = event(original);
            JsonNode failures = root.path("failures");
            String reason = "IoT rule " + root.get("ruleName").asText() + " failed"
                    + (failures.isArray() && !failures.isEmpty() ? ": " + failures.get(0).path("errorMessage").asText() : "");
            return new DeadLetter(m, original, "iot-rule-error-action", "IotRuleActionFailure", reason,
                    text(event, "eventType"), text(event, "clientId") != null ? text(event, "clientId") : text(root, "clientId"),
                    firstFailure, null);
        }
        JsonNode event = event(m.body());
        return new DeadLetter(m, m.body(), "sqs-redrive", "MaxReceiveCountExceeded",
                "moved by the queue's redrive policy after maxReceiveCount receives", text(event, "eventType"),
                text(event, "clientId"), firstFailure, null);
    }

    /**
     * Where a dead letter goes back to: the queue it was consumed from (attribute sourceQueue), the events queue when
     * it names none (the MQTT source, the IoT rule's error action, a redrive). Null (skipped, left in the dead-letter
     * queue) when it came from a queue this run was not given, e.g. an outbox message without PRESENCE_OUTBOX_QUEUE.
     */
    private String target(DeadLetter letter) {
        if (letter.sourceQueue() == null || letter.sourceQueue().equals(eventsQueue)) {
            return eventsUrl;
        }
        return letter.sourceQueue().equals(outboxQueue) ? outboxUrl : null;
    }

    private boolean fromOutbox(DeadLetter letter) {
        return letter.sourceQueue() != null && letter.sourceQueue().equals(outboxQueue);
    }

    private String describe(DeadLetter l) {
        return "WOULD MOVE %s to %s  first failure %s  %s  eventType=%s clientId=%s  reason: %s".formatted(
                l.message().messageId(), fromOutbox(l) ? "outbox" : "events", l.firstFailure(), l.errorType(),
                printable(l.eventType()), printable(l.clientId()), printable(l.reason()));
    }

    private static String sentAt(Message m) {
        String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        return sent == null ? "unknown" : Instant.ofEpochMilli(Long.parseLong(sent)).toString();
    }

    private static JsonNode event(String body) {
        JsonNode node = json(body);
        if (node == null && body != null) {
            try {
                node = json(new String(Base64.getDecoder().decode(body.strip()), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return node;
    }

    private static JsonNode json(String text) {
        return StrictJson.objectOrNull(text);
    }

    private static String text(JsonNode node, String field) {
        return node != null && node.path(field).isTextual() ? node.get(field).asText() : null;
    }

    private static String printable(String s) {
        if (s == null) {
            return "-";
        }
        String flat = s.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
