package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.presencebroker.failure.Retries;
import io.presencebroker.failure.TryLaterException;
import io.presencebroker.sqs.QueueMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The push side of a poll: one push request per recipient that gets no socket delivery (decided, stale presence, or
 * after a failed publish) to the push queue, the requests of all the poll's deliveries in SQS batches of 10. What SQS
 * refused is sent again, by the retry policy (presence.retry.*); a request that still did not go leaves its message
 * on the queue, and only its recipient is delivered by the redelivery (other requests of the message do not repeat).
 */
public class PushSender {

    private static final Logger LOG = LoggerFactory.getLogger(PushSender.class);

    private final DeliveryMessages messages;
    private final QueueMessages queue;
    private final Retries retries;

    public PushSender(SqsClient sqs, String queue, DeliveryMessages messages, Retries retries) {
        this.messages = messages;
        this.queue = new QueueMessages(sqs, queue);
        this.retries = retries;
    }

    private record Request(Delivery delivery, Delivery.PushRequest push, String body) {
    }

    /**
     * Sends the push requests of these deliveries; a recipient whose request did not go is marked so
     * ({@link Delivery#notPushed}).
     */
    void send(List<Delivery> deliveries, BooleanSupplier stop) {
        List<Request> all = new ArrayList<>();
        for (Delivery d : deliveries) {
            for (Delivery.PushRequest p : d.pushes()) {
                all.add(new Request(d, p, messages.pushRequest(d.getMessage(), p.recipient())));
            }
        }
        List<List<Request>> left = new ArrayList<>(List.of(all));
        try {
            retries.call(all.size() + " push request(s) to " + queue.queue(), () -> {
                List<Request> now = left.get(0);
                QueueMessages.Refused refused = queue.trySend(now.stream().map(Request::body).toList());
                List<Request> again = new ArrayList<>();
                for (int i = 0; i < now.size(); i++) {
                    if (refused.positions().contains(i)) {
                        again.add(now.get(i));
                    } else {
                        messages.count(now.get(i).push().path(), 1);
                    }
                }
                left.set(0, again);
                if (!again.isEmpty()) {
                    throw new TryLaterException(again.size() + " not taken: " + refused.reason());
                }
                return null;
            }, stop);
        } catch (Exception e) {
            LOG.warn("Push requests not taken by {} after the retries, their messages are left on the queue for"
                    + " redelivery: {}", queue.queue(), e.getMessage());
        }
        left.get(0).forEach(r -> r.delivery().notPushed(r.push().recipient()));
    }
}
