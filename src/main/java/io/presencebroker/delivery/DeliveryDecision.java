package io.presencebroker.delivery;

import io.presencebroker.config.RouteBean;

/**
 * The two outcomes of the delivery route's socket-or-push {@code choice}, for one recipient (body: a
 * {@link Delivery.Recipient}). The choice itself is in routes/delivery.yaml.
 */
@RouteBean
public class DeliveryDecision {

    /** Deliver over the recipient's sockets: publish to the topic each of its deliverable clients subscribed to. */
    public void overSocket(Delivery.Recipient recipient) {
        recipient.delivery().overSocket(recipient.status());
    }

    /**
     * Deliver over the recipient's sockets and as a push notification: its "connected" comes from presence data that
     * may be stale (see {@link Delivery.Recipient#isPresenceFresh()}).
     */
    public void overSocketAndPush(Delivery.Recipient recipient) {
        recipient.delivery().overSocketAndPush(recipient.status());
    }

    /** Deliver as a push notification (the sender gets none). */
    public void asPush(Delivery.Recipient recipient) {
        recipient.delivery().asPush(recipient.status());
    }
}
