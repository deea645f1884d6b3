package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One outbox message being delivered (the delivery route's body): the recipients this delivery holds a claim for,
 * each with its socket status, and what the route decided for them: the MQTT topics to publish to (each once, with
 * the recipients it reaches) and the push requests to send. The outbox consumer then publishes, pushes and records
 * the decisions of a whole poll together ({@link OutboxConsumer}).
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
    /** The recipients of {@link #pushes}: one push request each. */
    private final Set<String> pushedTo = new HashSet<>();
    /** Keys decided to get nothing (the sender with no other deliverable device): recorded with path "none". */
    private final List<String> nothing = new ArrayList<>();
    /** The topics whose publish failed (their recipients fell back to push). */
    private final Set<String> fellBack = new HashSet<>();
    /** The recipients the route decided for. */
    private final Set<String> decided = new HashSet<>();
    /** The recipients whose push request SQS did not take: not recorded, their claims released for the redelivery. */
    private final Set<String> notPushed = new HashSet<>();

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

    /**
     * One publish on the topic of each of the user's deliverable clients. A user with none (a route branch that
     * decided "socket" for a recipient with no deliverable client) gets the push instead: nothing is lost.
     */
    synchronized void overSocket(RecipientStatus status) {
        if (status.topics().isEmpty()) {
            asPush(status);
            return;
        }
        decided.add(status.recipient());
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
        push(status, STALE);
    }

    /** Whether this recipient is the message's sender (its own other devices: no push, no receipt owed). */
    synchronized boolean isSender(String recipient) {
        return recipients.stream().anyMatch(x -> x.isSender() && x.getUserId().equals(recipient));
    }

    /** A push request; the sender gets none (nothing is sent, the decision is recorded). */
    synchronized void asPush(RecipientStatus status) {
        decided.add(status.recipient());
        if (status.sender()) {
            nothing.add(status.recipient());
        } else {
            push(status, PUSH);
        }
    }

    /** One push request per recipient, whatever branches decided it; never to the sender. */
    private void push(RecipientStatus status, String path) {
        if (!status.sender() && pushedTo.add(status.recipient())) {
            pushes.add(new PushRequest(status.recipient(), path));
        }
    }

    /**
     * The publish to this topic failed: its recipients get push requests instead, at most one each, never the sender,
     * and none for a recipient that another of its topics (another of its devices) still reaches.
     */
    synchronized void fallback(TopicDelivery failed) {
        fellBack.add(failed.topic());
        for (String r : failed.recipients()) {
            boolean pushed = pushedTo.contains(r);
            boolean sender = isSender(r);
            boolean reachedElsewhere = topics.entrySet().stream().anyMatch(e -> e.getValue().contains(r)
                    && !fellBack.contains(e.getKey()));
            if (!pushed && !sender && !reachedElsewhere) {
                pushes.add(new PushRequest(r, FALLBACK));
                pushedTo.add(r);
            }
        }
    }

    synchronized List<TopicDelivery> socketTopics() {
        List<TopicDelivery> list = new ArrayList<>(topics.size());
        topics.forEach((topic, to) -> list.add(new TopicDelivery(topic, List.copyOf(to))));
        return list;
    }

    synchronized List<PushRequest> pushes() {
        return List.copyOf(pushes);
    }

    /** SQS did not take this recipient's push request: the redelivery of the message delivers it. */
    synchronized void notPushed(String recipient) {
        notPushed.add(recipient);
    }

    /** Whether every push request went: the message may be deleted once recorded. */
    synchronized boolean complete() {
        return notPushed.isEmpty();
    }

    /** The claimed recipients no branch of the route decided for (a route edit that forgot one): none when valid. */
    synchronized List<String> undecided() {
        return recipients.stream().map(Recipient::getUserId).filter(r -> !decided.contains(r)).toList();
    }

    /**
     * What each recipient got, once publishes and pushes are done: the path its log row records (socket, push,
     * fallback, stale or none). A recipient reached by a publish and a push (stale) records the push's path; one whose
     * push did not go is left out (its claim is released, for the redelivery).
     */
    synchronized Map<String, String> paths() {
        Map<String, String> paths = new LinkedHashMap<>();
        topics.forEach((topic, to) -> {
            if (!fellBack.contains(topic)) {
                to.forEach(r -> paths.putIfAbsent(r, SOCKET));
            }
        });
        pushes.forEach(p -> paths.put(p.recipient(), p.path()));
        nothing.forEach(r -> paths.putIfAbsent(r, NONE));
        for (Recipient r : recipients) {
            if (r.isSender() && decided.contains(r.getUserId())) {
                paths.putIfAbsent(r.getUserId(), NONE); // its other devices' publishes failed: no push for the sender
            }
        }
        paths.keySet().removeAll(notPushed);
        return paths;
    }
}
