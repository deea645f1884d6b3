package io.presencebroker.announce;

import java.util.List;
import java.util.Set;

import io.presencebroker.sqs.QueueMessages;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The message bodies of a look's announcements, and the failure that names what SQS did not take. */
class AnnouncementMessagesTest {

    @Test
    void eachAnnouncementIsItsDocumentedJsonInOrder() throws Exception {
        List<String> bodies = AnnouncementMessages.json(List.of(
                new PresenceAnnouncement("alice", false, 1764770000000L, 0, 3, "claim-1"),
                new PresenceAnnouncement("bob", true, 1764770000001L, 2, 1, "claim-1")));
        assertThat(bodies).containsExactly(
                "{\"userId\":\"alice\",\"online\":false,\"at\":1764770000000,\"clientsOnline\":0,\"sequence\":3}",
                "{\"userId\":\"bob\",\"online\":true,\"at\":1764770000001,\"clientsOnline\":2,\"sequence\":1}");
    }

    @Test
    void entriesNotTakenFailTheLookWithSqssReason() {
        assertThat(AnnouncementMessages.notSent(new QueueMessages.Refused(Set.of(1, 4), "InternalError: try again"), 12))
                .hasMessage("2 of 12 announcements not taken by SQS: InternalError: try again");
    }
}
