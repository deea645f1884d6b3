package io.presencebroker.config;

/**
 * A setting that is missing or has a value of the wrong shape: the start is refused, and the message says which
 * setting (its environment variable) and why; a stack trace would add nothing.
 */
public class SettingException extends IllegalStateException {

    public SettingException(String message) {
        super(message);
    }
}
