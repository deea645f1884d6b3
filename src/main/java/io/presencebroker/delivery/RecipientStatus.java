package io.presencebroker.delivery;

import java.util.List;

/**
 * The socket status of one recipient (a user) for one message's chat, from {@code user_socket_status}.
 *
 * @param recipient the user id
 * @param topics    for each of the user's clients connected and subscribed to this chat in its current session, the
 *                  exact topic it subscribed to (one publish each reaches it); empty when none is
 * @param sender    the message's sender, whose other clients are kept in sync: publishes only, never a push
 */
public record RecipientStatus(String recipient, List<String> topics, boolean sender) {

    /** Rule 3 of docs/lifecycle-events.md for any of the user's clients: connected and subscribed to this chat. */
    public boolean isDeliverableOverSocket() {
        return !topics.isEmpty();
    }
}
