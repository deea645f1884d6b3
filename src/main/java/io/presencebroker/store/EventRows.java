package io.presencebroker.store;

import java.util.List;

import io.presencebroker.event.ChatTopic;
import io.presencebroker.event.LifecycleEvent;
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

    /** One chat topic (body) of the (un)subscribe event in exchange property {@code event}. */
    public void subscription(Exchange exchange) {
        String topic = exchange.getIn().getBody(String.class);
        LifecycleEvent event = exchange.getProperty("event", LifecycleEvent.class);
        rows(exchange).add(PresenceSql.subscription(event, topic, chatTopic.chatId(topic)));
    }

    @SuppressWarnings("unchecked")
    private static List<RowUpdate> rows(Exchange exchange) {
        return exchange.getProperty(LifecycleBatch.ROWS, List.class);
    }
}
