package io.presencebroker.delivery;

import java.util.List;

/**
 * One outgoing chat message from the outbox queue, validated.
 *
 * @param messageId  the chat backend's id of the message; with a recipient, the idempotency key
 * @param chatId     the chat it belongs to (compared with {@code socket_status.chat_id})
 * @param senderId   the author (a user id), who never gets a push for its own message
 * @param recipients the members (user ids) to deliver to, without duplicates and without the sender, in the given order
 * @param payload    the JSON text published over MQTT, unchanged
 * @param pushTitle  title of the push notification for recipients without a socket
 * @param pushBody   body of the push notification
 * @param senderClientId the client the sender wrote from, or null: the sender's other deliverable clients get the
 *                   publish too (never a push)
 */
public record OutboxMessage(
        String messageId,
        String chatId,
        String senderId,
        List<String> recipients,
        String payload,
        String pushTitle,
        String pushBody,
        String senderClientId) {

    /** The keys of the delivery log for this message: the recipients, and the sender when its devices are synced. */
    public List<String> deliveryKeys() {
        if (senderClientId == null) {
            return recipients;
        }
        List<String> keys = new java.util.ArrayList<>(recipients);
        keys.add(senderId);
        return keys;
    }
}
