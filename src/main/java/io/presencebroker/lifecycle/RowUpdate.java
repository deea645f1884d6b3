package io.presencebroker.lifecycle;

/** One ordering-safe update of the socket status that an event asks for. */
public sealed interface RowUpdate permits RowUpdate.Presence, RowUpdate.Subscription {

    /** The row it targets, for a stable lock order inside a batch. */
    String key();

    long timestamp();

    /**
     * A connected or disconnected event: rule 1; {@code userId} is the client's user (presence.user-id-pattern).
     * {@code repaired}: not an event of AWS IoT but a disconnect the reconciliation proved (its history row says so).
     */
    record Presence(String clientId, String userId, boolean connected, long versionNumber, long timestamp, String sessionId,
                    String disconnectReason, boolean repaired) implements RowUpdate {

        public Presence(String clientId, String userId, boolean connected, long versionNumber, long timestamp,
                        String sessionId, String disconnectReason) {
            this(clientId, userId, connected, versionNumber, timestamp, sessionId, disconnectReason, false);
        }

        public int rank() {
            return connected ? 0 : 1;
        }

        @Override
        public String key() {
            return "p\u0000" + clientId;
        }
    }

    /** One chat topic of a subscribed or unsubscribed event: rule 2. */
    record Subscription(String clientId, String chatId, String topic, boolean subscribed, long timestamp, String sessionId)
            implements RowUpdate {
        public int rank() {
            return subscribed ? 0 : 1;
        }

        @Override
        public String key() {
            return "s\u0000" + clientId + "\u0000" + chatId;
        }
    }
}
