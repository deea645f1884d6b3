package io.presencebroker.failure;

/**
 * A failure that says "not now": the message is fine and the environment works, but something else holds its work
 * (another consumer is delivering it). Classified as the environment's, so the message is left on the queue and comes
 * back after the visibility timeout; flows extend it with their own reasons.
 */
public class TryLaterException extends RuntimeException {

    public TryLaterException(String message) {
        super(message);
    }
}
