package io.presencebroker.announce;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.config.RouteBean;
import io.presencebroker.sqs.QueueMessages;

/**
 * The step of routes/presence-announcements.yaml that sends a look's announcements to the announcements queue: each as
 * its JSON message body, up to 10 in one SendMessageBatch, the batches in flight together, every entry of SQS's answer
 * checked ({@link QueueMessages#trySend}).
 */
@RouteBean
public class AnnouncementMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final QueueMessages queue;

    public AnnouncementMessages(QueueMessages queue) {
        this.queue = queue;
    }

    /** Each announcement as its JSON message body, in order. */
    public static List<String> json(List<PresenceAnnouncement> announcements) throws JsonProcessingException {
        List<String> bodies = new ArrayList<>(announcements.size());
        for (PresenceAnnouncement a : announcements) {
            bodies.add(JSON.writeValueAsString(a));
        }
        return bodies;
    }

    /**
     * Route step: sends the announcements. A request that succeeded may still have refused some entries: any
     * announcement not taken fails the step, so the claim is not recorded as announced and goes out again when it runs
     * out (at least once; a consumer may see the others of the look twice).
     */
    public void send(List<PresenceAnnouncement> announcements) throws JsonProcessingException {
        QueueMessages.Refused refused = queue.trySend(json(announcements));
        if (!refused.none()) {
            throw notSent(refused, announcements.size());
        }
    }

    static AnnouncementNotSentException notSent(QueueMessages.Refused refused, int total) {
        return new AnnouncementNotSentException(refused.positions().size() + " of " + total
                + " announcements not taken by SQS: " + refused.reason());
    }

    /** Some announcements of a look were not taken by the queue: the look's claim runs out and they go again. */
    public static final class AnnouncementNotSentException extends RuntimeException {
        public AnnouncementNotSentException(String message) {
            super(message);
        }
    }
}
