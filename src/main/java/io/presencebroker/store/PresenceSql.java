package io.presencebroker.store;

import java.util.HashMap;
import java.util.Map;

import io.presencebroker.event.LifecycleEvent;

/**
 * The SQL of the socket status and the parameters for it, for camel-jdbc's named parameters ({@code :?name}, taken from
 * the {@code CamelJdbcParameters} header).
 *
 * <p>Every update is an insert-if-absent followed by one conditional UPDATE whose WHERE clause is the ordering rule,
 * evaluated by the database on the locked current row. No value read earlier is ever written back, so any number of
 * consumers, threads or containers, may apply events at once, in any order, with duplicates: the row converges to the
 * winning event (rules 1, 2 and 4 of docs/lifecycle-events.md).
 */
public class PresenceSql {

    /** First event of a client: stored as it is. An existing row is left untouched (no-op update). */
    public static final String INSERT_PRESENCE = """
            INSERT INTO client_presence
              (client_id, connected, version_number, event_rank, event_ts, session_id, disconnect_reason)
            VALUES (:?clientId, :?connected, :?versionNumber, :?eventRank, :?timestamp, :?sessionId, :?disconnectReason)
            ON DUPLICATE KEY UPDATE client_id = client_id""";

    /**
     * Rule 1. Events further apart in time than the version-reset gap are ordered by timestamp (a connection after a
     * version reset is new even with a lower number); closer ones by (versionNumber, disconnected over connected,
     * timestamp, session) so that a late DUPLICATE_CLIENTID disconnect of the old connection loses to the new one.
     */
    public static final String UPDATE_PRESENCE = """
            UPDATE client_presence
               SET connected = :?connected, version_number = :?versionNumber, event_rank = :?eventRank,
                   event_ts = :?timestamp, session_id = :?sessionId, disconnect_reason = :?disconnectReason,
                   updated_at = CURRENT_TIMESTAMP(3)
             WHERE client_id = :?clientId
               AND CASE WHEN ABS(:?timestamp - event_ts) > :?resetGapMillis THEN :?timestamp > event_ts
                        ELSE (:?versionNumber, :?eventRank, :?timestamp, :?sessionId)
                             > (version_number, event_rank, event_ts, session_id)
                   END""";

    public static final String INSERT_SUBSCRIPTION = """
            INSERT INTO client_subscription
              (client_id, chat_id, topic, subscribed, event_rank, event_ts, session_id)
            VALUES (:?clientId, :?chatId, :?topic, :?subscribed, :?eventRank, :?timestamp, :?sessionId)
            ON DUPLICATE KEY UPDATE client_id = client_id""";

    /** Rule 2: the latest event by timestamp wins; on a tie unsubscribed wins; session and topic settle the rest. */
    public static final String UPDATE_SUBSCRIPTION = """
            UPDATE client_subscription
               SET topic = :?topic, subscribed = :?subscribed, event_rank = :?eventRank, event_ts = :?timestamp,
                   session_id = :?sessionId, updated_at = CURRENT_TIMESTAMP(3)
             WHERE client_id = :?clientId AND chat_id = :?chatId
               AND (:?timestamp, :?eventRank, :?sessionId, :?topic) > (event_ts, event_rank, session_id, topic)""";

    private final long resetGapMillis;

    public PresenceSql(long resetGapMillis) {
        this.resetGapMillis = resetGapMillis;
    }

    public String insertPresence() {
        return INSERT_PRESENCE;
    }

    public String updatePresence() {
        return UPDATE_PRESENCE;
    }

    public String insertSubscription() {
        return INSERT_SUBSCRIPTION;
    }

    public String updateSubscription() {
        return UPDATE_SUBSCRIPTION;
    }

    public Map<String, Object> presenceParameters(LifecycleEvent event) {
        boolean connected = LifecycleEvent.CONNECTED.equals(event.eventType());
        Map<String, Object> p = new HashMap<>();
        p.put("clientId", event.clientId());
        p.put("connected", connected);
        p.put("versionNumber", event.versionNumber());
        p.put("eventRank", connected ? 0 : 1);
        p.put("timestamp", event.timestamp());
        p.put("sessionId", event.sessionIdentifier());
        p.put("disconnectReason", event.disconnectReason());
        p.put("resetGapMillis", resetGapMillis);
        return p;
    }

    public Map<String, Object> subscriptionParameters(LifecycleEvent event, String topic, String chatId) {
        boolean subscribed = LifecycleEvent.SUBSCRIBED.equals(event.eventType());
        Map<String, Object> p = new HashMap<>();
        p.put("clientId", event.clientId());
        p.put("chatId", chatId);
        p.put("topic", topic);
        p.put("subscribed", subscribed);
        p.put("eventRank", subscribed ? 0 : 1);
        p.put("timestamp", event.timestamp());
        p.put("sessionId", event.sessionIdentifier());
        return p;
    }
}
