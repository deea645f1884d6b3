package io.presencebroker.store;

import io.presencebroker.event.LifecycleEvent;

/**
 * The SQL of the socket status. Every update is a conditional UPDATE whose WHERE clause is the ordering rule,
 * evaluated by the database on the locked current row, and, only when that matched nothing because the row does not
 * exist yet, an insert-if-absent followed by the same UPDATE once more. No value read earlier is ever written back,
 * so any number of consumers, threads or containers may apply events at once, in any order, with duplicates: each
 * row converges to the winning event (rules 1, 2 and 4 of docs/lifecycle-events.md).
 */
public final class PresenceSql {

    /**
     * Rule 1. Events further apart in time than the version-reset gap are ordered by timestamp (a connection after a
     * version reset is new even with a lower number); closer ones by (versionNumber, disconnected over connected,
     * timestamp, session) so that a late DUPLICATE_CLIENTID disconnect of the old connection loses to the new one.
     * The winner also writes the client's user id (presence.user-id-pattern), so a changed pattern applies to a client
     * at its next presence change. Parameters: user, connected, version, rank, ts, session, reason, client, ts, ts,
     * gap, ts, ts, version, rank, ts, session.
     */
    public static final String UPDATE_PRESENCE = """
            UPDATE client_presence
               SET user_id = ?, connected = ?, version_number = ?, event_rank = ?, event_ts = ?, session_id = ?,
                   disconnect_reason = ?, updated_at = CURRENT_TIMESTAMP(3)
             WHERE client_id = ?
               AND CASE WHEN ABS(? - event_ts) > ? THEN ? > event_ts
                        ELSE (?, ?, ?, ?) > (version_number, event_rank, event_ts, session_id)
                   END""";

    /** First event of a client: stored as it is; an existing row is left untouched (no-op update). */
    public static final String INSERT_PRESENCE = """
            INSERT INTO client_presence
              (client_id, user_id, connected, version_number, event_rank, event_ts, session_id, disconnect_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE client_id = client_id""";

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

    public static final String INSERT_SUBSCRIPTION = """
            INSERT INTO client_subscription
              (client_id, chat_id, topic, subscribed, event_rank, event_ts, session_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE client_id = client_id""";

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
