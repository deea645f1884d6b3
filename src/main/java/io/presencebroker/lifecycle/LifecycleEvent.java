package io.presencebroker.lifecycle;

import java.util.List;

/**
 * One AWS IoT lifecycle event, validated. Optional fields are null when the event type does not carry them.
 *
 * @param clientId          MQTT client id, 1 to 128 characters
 * @param timestamp         epoch milliseconds (AWS's approximation)
 * @param eventType         connected, disconnected, subscribed, unsubscribed, connect_failed, or a newer type
 * @param sessionIdentifier the session the event belongs to (required for presence and subscription events)
 * @param versionNumber     connection version (presence events only)
 * @param disconnectReason  free text as AWS sends it (disconnected only)
 * @param topics            topic filters (subscribed and unsubscribed only)
 */
public record LifecycleEvent(
        String clientId,
        long timestamp,
        String eventType,
        String sessionIdentifier,
        Long versionNumber,
        String disconnectReason,
        List<String> topics) {

    public static final String CONNECTED = "connected";
    public static final String DISCONNECTED = "disconnected";
    public static final String SUBSCRIBED = "subscribed";
    public static final String UNSUBSCRIBED = "unsubscribed";


    public boolean isPresence() {
        return isPresence(eventType);
    }

    public boolean isSubscription() {
        return isSubscription(eventType);
    }

    public static boolean isPresence(String eventType) {
        return CONNECTED.equals(eventType) || DISCONNECTED.equals(eventType);
    }

    public static boolean isSubscription(String eventType) {
        return SUBSCRIBED.equals(eventType) || UNSUBSCRIBED.equals(eventType);
    }
}
