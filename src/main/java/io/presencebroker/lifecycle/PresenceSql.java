package io.presencebroker.lifecycle;


/**
 * The SQL of the socket status. Every update is a conditional UPDATE whose WHERE clause is the ordering rule,
 * evaluated by the database on the locked current row. A row that does not exist yet is first inserted as a
 * placeholder that every event wins over (version and timestamp -1), in one multi-row insert-if-absent per table, so
 * that the UPDATE applies the event to it like to any other row, and its count says whether the event changed the row.
 * No value read earlier is ever written back, so any number of consumers, threads or containers may apply events at
 * once, in any order, with duplicates: each row converges to the winning event (rules 1, 2 and 4 of
 * docs/lifecycle-events.md). A placeholder is never seen by anyone else: it is inserted and replaced in one
 * transaction (the parser refuses negative timestamps and versions, so every event wins over it).
 */
public final class PresenceSql {

    /**
     * Rule 1. Events further apart in time than the version-reset gap are ordered by timestamp (a connection after a
     * version reset is new even with a lower number); closer ones by (versionNumber, disconnected over connected,
     * timestamp, session) so that a late DUPLICATE_CLIENTID disconnect of the old connection loses to the new one.
     * The winner also writes the client's user id (presence.user-id-pattern), so a changed pattern applies to a client
     * at its next presence change. Parameters: user, connected, version, rank, ts, session, reason, client, ts, gap,
     * ts, version, rank, ts, session.
     */
    public static final String UPDATE_PRESENCE = """
            UPDATE client_presence
               SET user_id = ?, connected = ?, version_number = ?, event_rank = ?, event_ts = ?, session_id = ?,
                   disconnect_reason = ?, updated_at = CURRENT_TIMESTAMP(3)
             WHERE client_id = ?
               AND CASE WHEN ABS(? - event_ts) > ? THEN ? > event_ts
                        ELSE (?, ?, ?, ?) > (version_number, event_rank, event_ts, session_id)
                   END""";

    /**
     * The transitions the presence updates of a transaction made (those that changed their rows), with its commit; one
     * {@link #HISTORY_ROW} each. Parameters per row: client, user, connected, ts, version, session, reason,
     * repaired.
     */
    public static final String INSERT_HISTORY = "INSERT INTO client_presence_history (client_id, user_id, connected,"
            + " event_ts, version_number, session_id, disconnect_reason, repaired) VALUES %s";
    static final String HISTORY_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)";

    /** Placeholders for the clients of a batch that have no row yet (parameters: client, user; {@code %s}: rows). */
    public static final String INSERT_PRESENCE_PLACEHOLDERS = """
            INSERT INTO client_presence
              (client_id, user_id, connected, version_number, event_rank, event_ts, session_id, disconnect_reason)
            VALUES %s
            ON DUPLICATE KEY UPDATE client_id = client_id""";
    static final String PRESENCE_PLACEHOLDER = "(?, ?, FALSE, -1, 0, -1, '', NULL)";

    /**
     * Rule 2: the latest event by timestamp wins; on a tie unsubscribed wins; session and topic settle the rest.
     * Parameters: topic, subscribed, rank, ts, session, client, chat, ts, rank, session, topic.
     */
    public static final String UPDATE_SUBSCRIPTION = """
            UPDATE client_subscription
               SET topic = ?, subscribed = ?, event_rank = ?, event_ts = ?, session_id = ?,
                   updated_at = CURRENT_TIMESTAMP(3)
             WHERE client_id = ? AND chat_id = ?
               AND (?, ?, ?, ?) > (event_ts, event_rank, session_id, topic)""";

    /** Placeholders for the chats of a batch that have no row yet (parameters: client, chat, topic). */
    public static final String INSERT_SUBSCRIPTION_PLACEHOLDERS = """
            INSERT INTO client_subscription
              (client_id, chat_id, topic, subscribed, event_rank, event_ts, session_id)
            VALUES %s
            ON DUPLICATE KEY UPDATE client_id = client_id""";
    static final String SUBSCRIPTION_PLACEHOLDER = "(?, ?, ?, FALSE, 0, -1, '')";

    private PresenceSql() {
    }

    public static RowUpdate.Presence presence(LifecycleEvent event, String userId) {
        return new RowUpdate.Presence(event.clientId(), userId, LifecycleEvent.CONNECTED.equals(event.eventType()),
                event.versionNumber(), event.timestamp(), event.sessionIdentifier(), event.disconnectReason());
    }

    public static RowUpdate.Subscription subscription(LifecycleEvent event, String topic, String chatId) {
        return new RowUpdate.Subscription(event.clientId(), chatId, topic, LifecycleEvent.SUBSCRIBED.equals(event.eventType()),
                event.timestamp(), event.sessionIdentifier());
    }
}
