package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One outbox message being delivered (the delivery route's body after the claim): the recipients this delivery holds
 * a claim for, each with its socket status, and what the route decided for them: the MQTT topics to publish to (each
 * once, with the recipients it reaches) and the push requests to send. It also remembers which publishes and push
 * batches are done, so that a step retried by the error handling repeats none of them.
 */
public final class Delivery {

    public static final String SOCKET = "socket";
    public static final String PUSH = "push";
    public static final String FALLBACK = "fallback";
    /** A push after a socket delivery whose receipt did not come in time (DeliveryReceipts). */
    public static final String UNACKNOWLEDGED = "unacknowledged";
    /** A push beside the publish, because the presence data may be stale (health/PresenceFreshness). */
    public static final String STALE = "stale";
    /** The sender's key when none of its other devices was deliverable: nothing sent. */
    public static final String NONE = "none";

    /** One recipient to decide for (the body inside the route's split). */
    public record Recipient(Delivery delivery, RecipientStatus status) {
        /** Rule 3 of docs/lifecycle-events.md: connected and subscribed to this chat's topic in the current session. */
        public boolean isDeliverableOverSocket() {
            return status.isDeliverableOverSocket();
        }

        /** The recipient: a user id (the client id with the default presence.user-id-pattern). */
        public String getUserId() {
            return status.recipient();
        }

        /** The message's sender, whose other devices are kept in sync (publishes only, never a push). */
        public boolean isSender() {
            return status.sender();
        }

        /**
         * Whether the presence data could be trusted when this message was claimed: the lifecycle consumer receives
         * and is not behind by more than presence.delivery.presence-max-lag-ms. When not, a "connected" may be a
         * client that is gone.
         */
        public boolean isPresenceFresh() {
            return delivery.presenceFresh;
        }

        /** The chat of the message, for decisions per chat. */
        public String getChatId() {
            return delivery.message.chatId();
        }
    }

    /** One MQTT publish: a topic and the recipients subscribed to it. */
    public record TopicDelivery(String topic, List<String> recipients) {
    }

    /** One push request; path is push (decided) or fallback (the MQTT publish failed). */
    public record PushRequest(String recipient, String path) {
    }

    private final OutboxMessage message;
    private final String claimId;
    private final boolean presenceFresh;
    private final List<Recipient> recipients = new ArrayList<>();
    private final Map<String, List<String>> topics = new LinkedHashMap<>();
    private final List<PushRequest> pushes = new ArrayList<>();
    /** Keys decided to get nothing (the sender with no other deliverable device): recorded with path "none". */
    private final List<String> nothing = new ArrayList<>();
    /** How far the publish to one topic got. */
    enum Progress { PENDING, PUBLISHED, RECORDED, FELL_BACK }

    private final Map<String, Progress> progress = new HashMap<>();
    private final Set<String> recorded = new HashSet<>();
    private int pushBatchesSent;
    private int pushBatchesRecorded;

    Delivery(OutboxMessage message, String claimId, List<RecipientStatus> claimed, boolean presenceFresh) {
        this.message = message;
        this.claimId = claimId;
        this.presenceFresh = presenceFresh;
        for (RecipientStatus status : claimed) {
            recipients.add(new Recipient(this, status));
        }
    }

    public OutboxMessage getMessage() {
        return message;
    }

    String claimId() {
        return claimId;
    }

    public List<Recipient> getRecipients() {
        return recipients;
    }

    /** One publish on the topic of each of the user's deliverable clients. */
    synchronized void overSocket(RecipientStatus status) {
        for (String topic : status.topics()) {
            List<String> to = topics.computeIfAbsent(topic, t -> new ArrayList<>());
            if (!to.contains(status.recipient())) { // two of the user's clients on one topic: one publish
                to.add(status.recipient());
            }
        }
    }

    /**
     * Connected by presence data that may be stale: the publish, and a push request too (never to the sender), so that
     * a client that is gone does not lose the message; a client that is there gets both and drops the second by its
     * messageId. The recipient's claim is made final by the push's record.
     */
    synchronized void overSocketAndPush(RecipientStatus status) {
        overSocket(status);
        if (!status.sender()) {
            pushes.add(new PushRequest(status.recipient(), STALE));
        }
    }

    /** Whether this recipient is the message's sender (its own other devices: no push, no receipt owed). */
    synchronized boolean isSender(String recipient) {
        return recipients.stream().anyMatch(x -> x.isSender() && x.getUserId().equals(recipient));
    }

    /** Of these published recipients, those whose claim the publish makes final (not those a push still has to reach). */
    synchronized List<String> finalByPublish(List<String> published) {
        return published.stream().filter(r -> pushes.stream().noneMatch(p -> p.recipient().equals(r))).toList();
    }

    /** A push request; the sender gets none (nothing is sent, the decision is recorded). */
    synchronized void asPush(RecipientStatus status) {
        if (status.sender()) {
            nothing.add(status.recipient());
        } else {
            pushes.add(new PushRequest(status.recipient(), PUSH));
        }
    }

    /**
     * The publish to this topic failed: its recipients get push requests instead, at most one each, never the sender,
     * and none for a recipient that another of its topics (another of its devices) still reaches.
     */
    synchronized void fallback(TopicDelivery failed) {
        progress.put(failed.topic(), Progress.FELL_BACK);
        for (String r : failed.recipients()) {
            boolean pushed = pushes.stream().anyMatch(p -> p.recipient().equals(r));
            boolean sender = isSender(r);
            boolean reachedElsewhere = topics.entrySet().stream().anyMatch(e -> e.getValue().contains(r)
                    && progress.getOrDefault(e.getKey(), Progress.PENDING) != Progress.FELL_BACK);
            if (!pushed && !sender && !reachedElsewhere) {
                pushes.add(new PushRequest(r, FALLBACK));
            }
        }
    }

    synchronized List<String> nothing() {
        return List.copyOf(nothing);
    }

    synchronized List<TopicDelivery> socketTopics() {
        List<TopicDelivery> list = new ArrayList<>(topics.size());
        topics.forEach((topic, to) -> list.add(new TopicDelivery(topic, List.copyOf(to))));
        return list;
    }

    /** The push requests in batches of at most {@code size} (SQS sends up to 10 messages per call). */
    synchronized List<List<PushRequest>> pushBatches(int size) {
        List<List<PushRequest>> batches = new ArrayList<>();
        for (int from = 0; from < pushes.size(); from += size) {
            batches.add(List.copyOf(pushes.subList(from, Math.min(from + size, pushes.size()))));
        }
        return batches;
    }

    synchronized Progress progress(String topic) {
        return progress.getOrDefault(topic, Progress.PENDING);
    }

    synchronized void progress(String topic, Progress now) {
        progress.put(topic, now);
    }

    synchronized int pushBatchesSent() {
        return pushBatchesSent;
    }

    synchronized void pushBatchSent() {
        pushBatchesSent++;
    }

    synchronized int pushBatchesRecorded() {
        return pushBatchesRecorded;
    }

    synchronized void pushBatchRecorded() {
        pushBatchesRecorded++;
    }

    /** These recipients' claims are final (delivered): a redelivered message skips them. */
    synchronized void recorded(List<String> done) {
        recorded.addAll(done);
    }

    /** Every claim of this delivery is final: nothing to release. */
    synchronized boolean allRecorded() {
        return recorded.size() >= recipients.size();
    }
}
