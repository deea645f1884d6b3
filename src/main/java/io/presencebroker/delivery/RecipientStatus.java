package io.presencebroker.delivery;

/**
 * The socket status of one recipient for one message's chat, from {@code socket_status}.
 *
 * @param recipient the client id
 * @param connected connected now (false also for a client never seen)
 * @param topic     the exact topic it subscribed to for this chat in its current session, or null
 */
public record RecipientStatus(String recipient, boolean connected, String topic) {

    /** Rule 3 of docs/lifecycle-events.md: connected and subscribed to this chat's topic in the current session. */
    public boolean isDeliverableOverSocket() {
        return connected && topic != null;
    }
}
