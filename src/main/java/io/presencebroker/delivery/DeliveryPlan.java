package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the delivery route decided for one message: the MQTT topics to publish to (each once, with the recipients it
 * reaches) and the push requests to queue. Filled by the route's choice, one recipient at a time.
 */
public class DeliveryPlan {

    public static final String SOCKET = "socket";
    public static final String PUSH = "push";
    public static final String FALLBACK = "fallback";

    /** One MQTT publish: a topic and the recipients subscribed to it. */
    public record TopicDelivery(String topic, List<String> recipients) {
    }

    /** One push request; path is push (decided) or fallback (the MQTT publish failed). */
    public record PushDelivery(String recipient, String path) {
    }

    private final Map<String, List<String>> topics = new LinkedHashMap<>();
    private final List<PushDelivery> pushes = new ArrayList<>();

    public static DeliveryPlan create() {
        return new DeliveryPlan();
    }

    /** Deliver to this recipient over its socket: publish to the topic it subscribed to. */
    public static void socket(DeliveryPlan plan, RecipientStatus status) {
        plan.addSocket(status);
    }

    /** Deliver to this recipient as a push notification. */
    public static void push(DeliveryPlan plan, RecipientStatus status) {
        plan.addPush(status);
    }

    /** The publish to this topic failed: its recipients get push requests instead. */
    public static void fallback(DeliveryPlan plan, TopicDelivery failed) {
        plan.addFallback(failed);
    }

    public synchronized void addSocket(RecipientStatus status) {
        topics.computeIfAbsent(status.topic(), t -> new ArrayList<>()).add(status.recipient());
    }

    public synchronized void addPush(RecipientStatus status) {
        pushes.add(new PushDelivery(status.recipient(), PUSH));
    }

    public synchronized void addFallback(TopicDelivery failed) {
        for (String r : failed.recipients()) {
            pushes.add(new PushDelivery(r, FALLBACK));
        }
    }

    public synchronized List<TopicDelivery> getSocketTopics() {
        List<TopicDelivery> list = new ArrayList<>(topics.size());
        topics.forEach((topic, recipients) -> list.add(new TopicDelivery(topic, List.copyOf(recipients))));
        return list;
    }

    /** The push requests in batches of at most {@code size} (SQS sends up to 10 messages per call). */
    public synchronized List<List<PushDelivery>> pushBatches(int size) {
        List<List<PushDelivery>> batches = new ArrayList<>();
        for (int from = 0; from < pushes.size(); from += size) {
            batches.add(List.copyOf(pushes.subList(from, Math.min(from + size, pushes.size()))));
        }
        return batches;
    }
}
