package io.presencebroker.announce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

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

    /**
     * "Passes": the route step returns normally, so the route goes on to record the claim as announced; for any group
     * json() accepts (1 to 10 announcements), whether SQS lists the empty "Failed" or leaves it out.
     */
    @Test
    void aBatchWithEveryEntrySentPasses() {
        for (int size = 1; size <= AnnouncementMessages.SQS_BATCH_LIMIT; size++) {
            List<SendMessageBatchResultEntry> sent = IntStream.rangeClosed(1, size).mapToObj(i ->
                    SendMessageBatchResultEntry.builder().id(String.valueOf(i)).messageId("m" + i).build()).toList();
            SendMessageBatchResponse listed = SendMessageBatchResponse.builder().successful(sent).failed(List.of()).build();
            SendMessageBatchResponse leftOut = SendMessageBatchResponse.builder().successful(sent).build();
            assertThatNoException().as("%d of %d sent, Failed empty", size, size)
                    .isThrownBy(() -> messages.requireAllSent(listed));
            assertThatNoException().as("%d of %d sent, Failed left out", size, size)
                    .isThrownBy(() -> messages.requireAllSent(leftOut));
        }
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
