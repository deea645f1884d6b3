package io.presencebroker.delivery;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Outbox messages in the documented JSON shape (docs/delivery.md), for the tests and the benchmark. */
public final class OutboxJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OutboxJson() {
    }

    public static String message(String messageId, String chatId, String senderId, List<String> recipients, String text) {
        return message(messageId, chatId, senderId, null, recipients, text);
    }

    /** As above, written from the sender's client {@code senderClientId} (its other clients get it too), or null. */
    public static String message(String messageId, String chatId, String senderId, String senderClientId,
                                 List<String> recipients, String text) {
        ObjectNode n = MAPPER.createObjectNode();
        if (senderClientId != null) {
            n.put("senderClientId", senderClientId);
        }
        n.put("messageId", messageId);
        n.put("chatId", chatId);
        n.put("senderId", senderId);
        ArrayNode r = n.putArray("recipients");
        recipients.forEach(r::add);
        n.putObject("payload").put("messageId", messageId).put("from", senderId).put("text", text);
        n.putObject("push").put("title", "New message from " + senderId).put("body", text);
        return n.toString();
    }
}
