package io.presencebroker.failure;

/**
 * A message that can never be applied as it is: it cannot be parsed, or it breaks the event contract.
 * Permanent by definition, so it is dead-lettered at once instead of being redelivered.
 */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
