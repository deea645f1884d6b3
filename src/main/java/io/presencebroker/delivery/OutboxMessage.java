package io.presencebroker.delivery;

import java.util.List;

/**
 * One outgoing chat message from the outbox queue, validated.
 *
 * @param messageId  the chat backend's id of the message; with a recipient, the idempotency key
 * @param chatId     the chat it belongs to (compared with {@code socket_status.chat_id})
 * @param senderId   the author, who never receives its own message
 * @param recipients the members to deliver to, without duplicates and without the sender, in the given order
 * @param payload    the JSON text published over MQTT, unchanged
 * @param pushTitle  title of the push notification for recipients without a socket
 * @param pushBody   body of the push notification
 */
public record OutboxMessage(
        String messageId,
        String chatId,
        String senderId,
        List<String> recipients,
        String payload,
        String pushTitle,
        String pushBody) {
}
