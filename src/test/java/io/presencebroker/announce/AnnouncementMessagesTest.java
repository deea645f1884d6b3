package io.presencebroker.announce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/** The message bodies of a group of announcements, and the check of SQS's answer entry by entry. */
class AnnouncementMessagesTest {

    final AnnouncementMessages messages = new AnnouncementMessages();

    @Test
    void eachAnnouncementIsItsDocumentedJsonInOrder() throws Exception {
        List<String> bodies = messages.json(List.of(
                new PresenceAnnouncement("alice", false, 1764770000000L, 0, "claim-1"),
                new PresenceAnnouncement("bob", true, 1764770000001L, 2, "claim-1")));
        assertThat(bodies).containsExactly(
                "{\"userId\":\"alice\",\"online\":false,\"at\":1764770000000,\"clientsOnline\":0}",
                "{\"userId\":\"bob\",\"online\":true,\"at\":1764770000001,\"clientsOnline\":2}");
    }

    @Test
    void moreThanOneBatchIsRefusedWithTheReason() {
        List<PresenceAnnouncement> eleven = Collections.nCopies(11, new PresenceAnnouncement("a", true, 1, 1, "c"));
        assertThatThrownBy(() -> messages.json(eleven)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 10");
    }

    @Test
    void aBatchWithEveryEntrySentPasses() {
        messages.requireAllSent(SendMessageBatchResponse.builder()
                .successful(SendMessageBatchResultEntry.builder().id("1").messageId("m1").build())
                .failed(List.of()).build());
    }

    @Test
    void anEntryRefusedFailsTheGroupWithSqssReason() {
        SendMessageBatchResponse partly = SendMessageBatchResponse.builder()
                .successful(SendMessageBatchResultEntry.builder().id("1").messageId("m1").build())
                .failed(BatchResultErrorEntry.builder().id("2").code("InternalError").senderFault(false)
                        .message("try again").build())
                .build();
        assertThatThrownBy(() -> messages.requireAllSent(partly))
                .isInstanceOf(AnnouncementMessages.AnnouncementNotSentException.class)
                .hasMessage("1 of 2 announcements refused by SQS: InternalError: try again");
    }
}
