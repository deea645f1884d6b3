package io.presencebroker.replay;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.presencebroker.json.StrictJson;
import io.presencebroker.config.Settings;
import io.presencebroker.sqs.QueueMessages;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.failure.DeadLetterAttributes;
import io.presencebroker.replay.ReplayTotals.Outcome;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * {@code replay-dlq}: moves messages from the dead-letter queue back to the events queue once their cause is fixed.
 * Outbox messages that failed in a delivery route go back to the outbox queue instead (skipped when
 * PRESENCE_OUTBOX_QUEUE is not set). It understands the three kinds of message found there: the service's own (original body, reason attributes),
 * messages SQS redrove after maxReceiveCount (original body, no attributes), and IoT Rule error-action messages (the
 * event is in {@code base64OriginalPayload}). It sends first and deletes from the dead-letter queue only after the
 * send succeeded, so a crash duplicates at worst (harmless: updates are idempotent) and never loses.
 */
public final class DlqReplay {

    /** How long a real run holds what it received (what it skips is released at the end of the run). */
    private static final int HOLD_SECONDS = 300;
    /** How long a dry run's receive holds a message before the dry run releases it (at once, unless it is killed). */
    static final int DRY_RUN_HOLD_SECONDS = 30;
    /** Receives in a row that brought only messages already read, after which a run stops and says so. */
    static final int IDLE_RECEIVES = 10;

    /** Command-line options. */
    public record Options(int max, boolean dryRun, String reason, String errorType, double ratePerSecond) {
    }

    /**
     * What one run did. {@code skipped}: read and left in the dead-letter queue (not matching the filters, from a queue
     * this run was not given, or, in a dry run, matching over {@code --max}); failed ones are not counted in it.
     */
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

    private final QueueMessages dlqQueue;
    private final QueueMessages eventsTarget;
    private final QueueMessages outboxTarget;
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
        this.dlqQueue = new QueueMessages(sqs, dlq);
        this.eventsTarget = new QueueMessages(sqs, eventsQueue);
        this.outboxQueue = outboxQueue;
        this.eventsQueue = eventsQueue;
        this.outboxTarget = outboxQueue == null || outboxQueue.isBlank() ? null : new QueueMessages(sqs, outboxQueue);
        // the queues must exist: a misspelt name fails here, before anything is read
        dlqQueue.url();
        eventsTarget.url();
        if (outboxTarget != null) {
            outboxTarget.url();
        }
        this.out = out;
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

    /**
     * Does the work the options ask for, prints the totals (and, in a dry run, the list) to the stream this replay was
     * made with, and returns what it did. The command line (options, exit codes) is the application's.
     *
     * <p>Both modes read each message of the dead-letter queue once, tracked by SQS message id: a message received
     * again in the same run (a dry run released it, or a hold ran out in a long run) is neither listed, counted nor
     * moved twice; it is held until the end of the run so that the next receives get past it.
     *
     * <p>A dry run releases what it received at once (ChangeMessageVisibilityBatch to 0, one call per receive): its
     * messages stay visible to a replay or an operator while it runs, and nothing is held when it returns. Its receives
     * hold for {@value #DRY_RUN_HOLD_SECONDS} s only, so a dry run killed between a receive and its release holds at
     * most those 10 messages for that long. Since released messages can come back, it stops when it has read as many
     * distinct messages as the queue's approximate count (taken at the start, checked again then), when a receive is
     * empty, or after {@value #IDLE_RECEIVES} receives in a row that brought only messages already read (then it says
     * that it may have missed some). It reads the whole queue whatever {@code --max} is, so the totals cover it all.
     *
     * <p>A real run holds what it skips for {@value #HOLD_SECONDS} s and releases it at the end of the run, as before;
     * it stops at an empty receive or once it has moved {@code --max} messages.
     */
    public Summary run(Options options) {
        boolean dry = options.dryRun();
        ReplayTotals totals = new ReplayTotals(dry);
        List<String> listing = new ArrayList<>();
        Map<String, Message> held = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        int read = 0;
        int moved = 0;
        int listed = 0;
        int failed = 0;
        boolean incomplete = false;
        long expected = dry ? visibleCount() : Long.MAX_VALUE;
        int idle = 0;
        long intervalNanos = (long) (1_000_000_000L / options.ratePerSecond());
        long nextSend = System.nanoTime();
        try {
            while (dry || moved < options.max()) {
                List<Message> batch = dlqQueue.receiveWithMessageAttributes(10, 1,
                        dry ? DRY_RUN_HOLD_SECONDS : HOLD_SECONDS, List.of(MessageSystemAttributeName.ALL));
                if (batch.isEmpty()) {
                    break;
                }
                List<Message> fresh = new ArrayList<>();
                for (Message m : batch) {
                    if (!seen.add(m.messageId())) {
                        held.put(m.messageId(), m); // read already: kept out of the way with its newest receipt handle
                    } else {
                        fresh.add(m);
                    }
                }
                if (dry) {
                    release(fresh);
                }
                idle = fresh.isEmpty() ? idle + 1 : 0;
                for (Message m : fresh) {
                    if (!dry && moved >= options.max()) {
                        held.put(m.messageId(), m); // not read: released at the end, not counted
                        continue;
                    }
                    read++;
                    DeadLetter letter = understand(m);
                    QueueMessages target = target(letter);
                    boolean match = matches(letter, options);
                    Outcome outcome;
                    if (!match) {
                        outcome = Outcome.NOT_MATCHING;
                    } else if (target == null) {
                        outcome = Outcome.NO_TARGET;
                    } else if (dry) {
                        if (listed < options.max()) {
                            listed++;
                            listing.add(describe(letter));
                            outcome = Outcome.MOVE;
                        } else {
                            outcome = Outcome.OVER_MAX;
                        }
                    } else {
                        long wait = nextSend - System.nanoTime();
                        if (wait > 0) {
                            sleep(wait);
                        }
                        nextSend = Math.max(nextSend, System.nanoTime()) + intervalNanos;
                        outcome = send(letter, target);
                        if (outcome == Outcome.MOVE) {
                            moved++;
                        } else {
                            failed++;
                        }
                    }
                    if (outcome != Outcome.MOVE && !dry) {
                        held.put(m.messageId(), m);
                    }
                    totals.add(letter.errorType(), letter.reason(), match, outcome);
                }
                if (idle >= IDLE_RECEIVES) {
                    incomplete = true;
                    break;
                }
                if (dry && seen.size() >= expected) {
                    // covered the count taken at the start: look again, in case messages arrived meanwhile
                    expected = visibleCount() + held.size();
                    if (seen.size() >= expected) {
                        break;
                    }
                }
            }
        } finally {
            release(held.values());
        }
        totals.print(out, incomplete ? ("stopped after %d receives in a row that brought only messages already read:"
                + " the dead-letter queue may hold messages this run did not read").formatted(IDLE_RECEIVES) : null);
        listing.forEach(out::println);
        return new Summary(moved, listed, read - moved - listed - failed, failed);
    }

    /** Sends one dead letter back, then deletes it from the dead-letter queue. */
    private Outcome send(DeadLetter letter, QueueMessages target) {
        Message m = letter.message();
        try {
            target.send(letter.originalBody(), Map.of());
        } catch (RuntimeException e) {
            out.println("FAILED to send " + m.messageId() + ": " + e.getMessage());
            return Outcome.FAILED;
        }
        // deleted only after the send succeeded: a crash here duplicates, never loses
        dlqQueue.deleteNow(m.receiptHandle());
        return Outcome.MOVE;
    }

    /** The queue's approximate number of visible messages. */
    private long visibleCount() {
        return dlqQueue.visibleCount();
    }

    /**
     * Makes the messages visible again at once (ChangeMessageVisibilityBatch to 0, 10 a call). One that cannot be
     * released is named; it becomes visible when the hold of its receive runs out.
     */
    private void release(Collection<Message> messages) {
        List<Message> all = List.copyOf(messages);
        QueueMessages.Refused refused = dlqQueue.tryChangeVisibility(QueueMessages.receipts(all), 0);
        for (int position : refused.positions()) {
            out.println("WARNING: could not release " + all.get(position).messageId() + " (" + refused.reason()
                    + "): it becomes visible when its hold runs out");
        }
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
    private QueueMessages target(DeadLetter letter) {
        if (letter.sourceQueue() == null || letter.sourceQueue().equals(eventsQueue)) {
            return eventsTarget;
        }
        return letter.sourceQueue().equals(outboxQueue) ? outboxTarget : null;
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
