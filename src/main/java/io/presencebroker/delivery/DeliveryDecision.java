package io.presencebroker.delivery;

/**
 * The two outcomes of the delivery route's socket-or-push {@code choice}, for one recipient (body: a
 * {@link Delivery.Recipient}). The choice itself is in routes/delivery.yaml.
 */
public class DeliveryDecision {

    /** Deliver over the recipient's sockets: publish to the topic each of its deliverable clients subscribed to. */
    public void overSocket(Delivery.Recipient recipient) {
        recipient.delivery().overSocket(recipient.status());
    }

    /** Deliver as a push notification (the sender gets none). */
    public void asPush(Delivery.Recipient recipient) {
        recipient.delivery().asPush(recipient.status());
    }
}
