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

    public EventRows(ChatTopic chatTopic) {
        this.chatTopic = chatTopic;
    }

    /** A connected or disconnected event (body). */
    public void presence(Exchange exchange) {
        rows(exchange).add(PresenceSql.presence(exchange.getIn().getBody(LifecycleEvent.class)));
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
