package io.presencebroker.lifecycle;

import java.util.ArrayList;
import java.util.List;

import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.config.RouteBean;
import io.presencebroker.store.StoreIds;
import org.apache.camel.Body;

/**
 * The branches of the lifecycle router (bean {@code lifecycleRows}): each returns the {@link RowChanges} of the event
 * in the body, which becomes the body. Nothing is written here; the consumer commits the rows of a poll at once.
 */
@RouteBean
public class LifecycleRows {

    private final ChatTopic chatTopic;
    private final UserIds users;
    private final PresenceMetrics metrics;

    public LifecycleRows(ChatTopic chatTopic, UserIds users, PresenceMetrics metrics) {
        this.chatTopic = chatTopic;
        this.users = users;
        this.metrics = metrics;
    }

    /** A connected or disconnected event: its client's presence, with the client's user. */
    public RowChanges presence(@Body LifecycleEvent event) {
        return new RowChanges(event.eventType(), event.timestamp(),
                List.of(PresenceSql.presence(event, users.of(event.clientId()))));
    }

    /**
     * A subscribed or unsubscribed event: one row per chat topic (presence.chat-topic.pattern); every other topic is
     * counted as ignored_topic and changes nothing.
     */
    public RowChanges chatSubscriptions(@Body LifecycleEvent event) {
        List<RowUpdate> rows = new ArrayList<>(event.topics().size());
        for (String topic : event.topics()) {
            String chatId = chatTopic.chatIdOrNull(topic);
            if (chatId == null) {
                metrics.count(event.eventType(), "ignored_topic");
            } else {
                rows.add(PresenceSql.subscription(event, topic, StoreIds.exact("chat id", chatId)));
            }
        }
        return new RowChanges(event.eventType(), event.timestamp(), rows);
    }

    /** connect_failed, and types this version does not know: counted as ignored, nothing to apply. */
    public RowChanges ignored(@Body LifecycleEvent event) {
        metrics.count(event.eventType(), "ignored");
        return new RowChanges(event.eventType(), event.timestamp(), List.of());
    }
}
