package io.presencebroker.delivery;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the decisions of the route make of one message's recipients: nothing decided is ever dropped. */
class DeliveryTest {

    static final OutboxMessage MESSAGE = new OutboxMessageParser(1000).parse(
            OutboxJson.message("m-1", "7", "sam", List.of("alice", "bob"), "hello"));

    static Delivery delivery(RecipientStatus... statuses) {
        return new Delivery(MESSAGE, "claim-1", List.of(statuses), true);
    }

    @Test
    void aSocketDecisionForARecipientWithNoDeliverableClientBecomesThePush() {
        RecipientStatus offline = new RecipientStatus("bob", List.of(), false);
        Delivery d = delivery(offline);

        d.overSocket(offline); // a route branch that decided "socket" for a user who has no socket

        assertThat(d.socketTopics()).isEmpty();
        assertThat(d.paths()).isEqualTo(Map.of("bob", Delivery.PUSH));
        assertThat(d.undecided()).isEmpty();
    }

    @Test
    void staleWithNoClientIsOnePushAndTwoDecisionsAreOnePush() {
        RecipientStatus offline = new RecipientStatus("bob", List.of(), false);
        RecipientStatus alice = new RecipientStatus("alice", List.of("app/alice/chat/7"), false);
        Delivery d = delivery(offline, alice);

        d.overSocketAndPush(offline);
        d.overSocketAndPush(alice);
        d.asPush(alice); // a second branch deciding again

        assertThat(d.pushes()).extracting(Delivery.PushRequest::recipient).containsExactly("bob", "alice");
        assertThat(d.paths()).containsEntry("bob", Delivery.PUSH).containsEntry("alice", Delivery.STALE);
    }

    @Test
    void theSenderWithNoOtherDeviceGetsNothingAndIsRecorded() {
        RecipientStatus sender = new RecipientStatus("sam", List.of(), true);
        Delivery d = delivery(sender);

        d.overSocket(sender);

        assertThat(d.pushes()).isEmpty();
        assertThat(d.paths()).isEqualTo(Map.of("sam", Delivery.NONE));
    }
}
