package io.presencebroker.announce;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The two steps of routes/presence-announcements.yaml around the queue's SendMessageBatch (one request for up to 10
 * announcements instead of one each): the message bodies, then the answer checked entry by entry.
 */
public class AnnouncementMessages {

    /** At most this many entries in one SendMessageBatch (an SQS limit). */
    public static final int SQS_BATCH_LIMIT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Route step: each announcement as its JSON message body, in order. */
    public List<String> json(List<PresenceAnnouncement> announcements) throws JsonProcessingException {
        if (announcements.size() > SQS_BATCH_LIMIT) {
            throw new IllegalArgumentException("a SendMessageBatch takes at most " + SQS_BATCH_LIMIT
                    + " messages, not " + announcements.size() + " (split the claim with ${collate(10)})");
        }
        List<String> bodies = new ArrayList<>(announcements.size());
        for (PresenceAnnouncement a : announcements) {
            bodies.add(JSON.writeValueAsString(a));
        }
        return bodies;
    }

    /**
     * Route step after the send: SQS answers a batch entry by entry, and a request that succeeded may still have
     * refused some entries. Any refused entry fails the whole group, so the claim is not recorded as announced and
     * goes out again when it runs out (at least once; a consumer may see the others of the group twice).
     */
    public void requireAllSent(SendMessageBatchResponse response) {
        if (!response.failed().isEmpty()) {
            throw new AnnouncementNotSentException(response.failed().size() + " of "
                    + (response.failed().size() + response.successful().size())
                    + " announcements refused by SQS: " + response.failed().stream()
                    .map(AnnouncementMessages::describe).distinct().collect(Collectors.joining("; ")));
        }
    }

    private static String describe(BatchResultErrorEntry e) {
        return e.code() + (Boolean.TRUE.equals(e.senderFault()) ? " (sender fault)" : "") + ": " + e.message();
    }

    /** Some announcements of a group were not taken by the queue: the group is sent again. */
    public static final class AnnouncementNotSentException extends RuntimeException {
        public AnnouncementNotSentException(String message) {
            super(message);
        }
    }
}
