package io.presencebroker.delivery;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.presencebroker.failure.InvalidEventException;
import io.presencebroker.json.StrictJson;
import io.presencebroker.store.StoreIds;

/**
 * Turns an outbox SQS message body into a validated {@link OutboxMessage}. Everything that cannot be delivered is an
 * {@link InvalidEventException} whose message says what is wrong, so the shared error handling dead-letters it with
 * that reason (routes/error-handling.yaml).
 */
public class OutboxMessageParser {

    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_CHAT_ID_LENGTH = 256;
    public static final int MAX_PUSH_TITLE_LENGTH = 256;
    public static final int MAX_PUSH_BODY_LENGTH = 4096;
    /** AWS IoT Core takes a publish payload of at most 128 KB; what it refuses could reach the recipient by no socket. */
    public static final int MAX_PAYLOAD_BYTES = 128 * 1024;

    private final int maxRecipients;

    public OutboxMessageParser(int maxRecipients) {
        this.maxRecipients = maxRecipients;
    }

    public OutboxMessage parse(String body) {
        JsonNode root = StrictJson.readObject(body);
        String messageId = text(root, "messageId", MAX_ID_LENGTH);
        String chatId = text(root, "chatId", MAX_CHAT_ID_LENGTH);
        String senderId = text(root, "senderId", MAX_ID_LENGTH);
        List<String> recipients = recipients(root, senderId);
        JsonNode payload = root.get("payload");
        if (payload == null || payload.isNull() || payload.isMissingNode()) {
            throw new InvalidEventException("payload is missing");
        }
        int payloadBytes = payload.toString().getBytes(StandardCharsets.UTF_8).length;
        if (payloadBytes > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException("payload is " + payloadBytes + " bytes, over AWS IoT's publish limit of "
                    + MAX_PAYLOAD_BYTES + " (128 KB)");
        }
        JsonNode push = root.get("push");
        if (push == null || push.isNull()) {
            throw new InvalidEventException("push is missing");
        }
        if (!push.isObject()) {
            throw new InvalidEventException("push is not an object");
        }
        String title = text(push, "title", MAX_PUSH_TITLE_LENGTH, "push.title");
        String pushBody = optionalText(push, "body", MAX_PUSH_BODY_LENGTH, "push.body");
        String senderClientId = optionalText(root, "senderClientId", MAX_ID_LENGTH, "senderClientId");
        return new OutboxMessage(messageId, chatId, senderId, recipients, payload.toString(), title, pushBody,
                senderClientId.isEmpty() ? null : senderClientId);
    }

    private List<String> recipients(JsonNode root, String senderId) {
        JsonNode node = root.get("recipients");
        if (node == null || node.isNull()) {
            throw new InvalidEventException("recipients is missing");
        }
        if (!node.isArray()) {
            throw new InvalidEventException("recipients is not an array");
        }
        if (node.isEmpty()) {
            throw new InvalidEventException("recipients is empty");
        }
        if (node.size() > maxRecipients) {
            throw new InvalidEventException("recipients has more than " + maxRecipients + " entries (" + node.size() + ")");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode r = node.get(i);
            String field = "recipients[" + i + "]";
            if (!r.isTextual()) {
                throw new InvalidEventException(field + " is not a string");
            }
            check(field, r.textValue(), MAX_ID_LENGTH, true);
            if (!r.textValue().equals(senderId)) {
                unique.add(r.textValue());
            }
        }
        return List.copyOf(unique);
    }

    private static String text(JsonNode node, String field, int maxLength) {
        return text(node, field, maxLength, field);
    }

    /** A required string field, checked as ids are (also for the receipts, which name a message and a recipient). */
    static String text(JsonNode node, String field, int maxLength, String name) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidEventException(name + " is missing");
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(name + " is not a string");
        }
        check(name, value.textValue(), maxLength, true);
        return value.textValue();
    }

    private static String optionalText(JsonNode node, String field, int maxLength, String name) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(name + " is not a string");
        }
        check(name, value.textValue(), maxLength, false);
        return value.textValue();
    }

    /**
     * Ids are single-line identifiers; push texts may hold line breaks but no other control characters. Every text
     * goes into a push request on SQS: what SQS refuses (U+FFFE, U+FFFF, an unpaired surrogate) is refused here.
     */
    private static void check(String name, String text, int maxLength, boolean identifier) {
        if (identifier && text.isEmpty()) {
            throw new InvalidEventException(name + " is empty");
        }
        if (text.length() > maxLength) {
            throw new InvalidEventException(name + " is longer than " + maxLength + " characters (" + text.length() + ")");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && (identifier || (c != '\n' && c != '\t'))) {
                throw new InvalidEventException(name + " contains a control character");
            }
            if (c == '\uFFFE' || c == '\uFFFF') {
                // SQS refuses them in a message (its allowed set ends at U+FFFD below the supplementary planes): in a
                // push request they would make SQS refuse the whole batch, and the co-recipients be pushed again on
                // every retry
                throw new InvalidEventException(name + " contains U+%04X, which SQS refuses in a message".formatted((int) c));
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidEventException(name + " is not valid Unicode (unpaired surrogate)");
            }
        }
        if (identifier) {
            StoreIds.exact(name, text);
        }
    }
}
