package io.presencebroker.delivery;

import io.presencebroker.failure.TryLaterException;

/**
 * Another consumer holds a live claim on some recipients of this message (SQS delivered it twice at once). Transient
 * by classification: the exchange fails, the SQS message is not deleted and comes back after the visibility timeout,
 * by when the other consumer has delivered (skipped then) or its claim has expired (taken over then).
 */
public class DeliveryInProgressException extends TryLaterException {

    public DeliveryInProgressException(String message) {
        super(message);
    }
}
