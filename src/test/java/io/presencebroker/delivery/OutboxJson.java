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
        ObjectNode n = MAPPER.createObjectNode();
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
