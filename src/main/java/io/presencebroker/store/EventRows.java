package io.presencebroker.store;

import java.util.List;

import io.presencebroker.event.ChatTopic;
import io.presencebroker.event.LifecycleEvent;
import io.presencebroker.event.TopicChange;
import org.apache.camel.Exchange;

/**
 * Route steps that turn the routed event into row updates (exchange property {@link LifecycleBatch#ROWS}), for the
 * batch or the single-event apply: the routing decision itself stays in the YAML route.
 */
public class EventRows {

    private final ChatTopic chatTopic;
    private final UserIds users;

    public EventRows(ChatTopic chatTopic, UserIds users) {
        this.chatTopic = chatTopic;
        this.users = users;
    }

    /** A connected or disconnected event (body), with the user of its client. */
    public void presence(Exchange exchange) {
        LifecycleEvent event = exchange.getIn().getBody(LifecycleEvent.class);
        rows(exchange).add(PresenceSql.presence(event, users.of(event.clientId())));
    }

    /** One chat topic of a subscribed or unsubscribed event (body: its {@link TopicChange}). */
    public void subscription(Exchange exchange) {
        TopicChange change = exchange.getIn().getBody(TopicChange.class);
        rows(exchange).add(PresenceSql.subscription(change.event(), change.topic(), chatTopic.chatId(change.topic())));
    }

    @SuppressWarnings("unchecked")
    private static List<RowUpdate> rows(Exchange exchange) {
        return exchange.getProperty(LifecycleBatch.ROWS, List.class);
    }
}
