package io.presencebroker.edges;

import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.delivery.OutboxJson;
import io.presencebroker.delivery.OutboxMessageParser;
import io.presencebroker.failure.InvalidEventException;
import io.presencebroker.lifecycle.ChatTopic;
import io.presencebroker.lifecycle.LifecycleEvent;
import io.presencebroker.lifecycle.LifecycleRows;
import io.presencebroker.lifecycle.UserIds;
import io.presencebroker.metrics.PresenceMetrics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every id the store keys on refuses a trailing space where it enters (store/StoreIds): besides the client id
 * ({@link IdentityEdgesTest}), the user id a client id yields, the chat id of a subscribed topic, and the message id,
 * chat id, sender and recipients of an outbox message.
 */
class TrailingSpaceIdsTest {

    @Test
    void aUserIdOrChatIdWithATrailingSpaceIsRefused() {
        assertThatThrownBy(() -> new UserIds("^([^/]*)/").of("alice /phone"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("user id ends with a space: ids compare with trailing spaces ignored in the store, so"
                        + " \"alice \" would be the user \"alice\"");
        LifecycleRows rows = new LifecycleRows(new ChatTopic("^app/[^/]+/chat/([^/]+)(/.*)?$"), new UserIds("^(.*)$"),
                new PresenceMetrics(new SimpleMeterRegistry()));
        LifecycleEvent subscribe = new LifecycleEvent("alice", 1L, "subscribed", "s-1", null, null,
                List.of("app/alice/chat/5", "app/alice/chat/5 "));
        assertThatThrownBy(() -> rows.chatSubscriptions(subscribe))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("chat id ends with a space: ids compare with trailing spaces ignored in the store, so"
                        + " \"5 \" would be the chat \"5\"");
    }

    @Test
    void anOutboxMessageWithAnIdEndingWithASpaceIsRefused() {
        OutboxMessageParser parser = new OutboxMessageParser(100);
        assertThatThrownBy(() -> parser.parse(OutboxJson.message("m-1", "5", "sam", List.of("bob "), "hi")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("recipients[0] ends with a space: ids compare with trailing spaces ignored in the store,"
                        + " so \"bob \" would be the recipient \"bob\"");
        assertThatThrownBy(() -> parser.parse(OutboxJson.message("m-1 ", "5", "sam", List.of("bob"), "hi")))
                .hasMessageStartingWith("messageId ends with a space");
        assertThatThrownBy(() -> parser.parse(OutboxJson.message("m-1", "5 ", "sam", List.of("bob"), "hi")))
                .hasMessageStartingWith("chatId ends with a space");
    }
}
