package io.presencebroker.health;

/**
 * Where the current database login can be read again while the service runs (the environment variables are read
 * once, at start): {@link SecretsManagerCredentials} reads the secret by ARN. Bound in the registry, an
 * implementation takes precedence over {@code presence.db.secret-arn} (tests supply one that way).
 */
@FunctionalInterface
public interface DatabaseCredentials {

    /** A user name and password; the password never appears in {@link #toString()}. */
    record Login(String user, String password) {
        @Override
        public String toString() {
            return "Login[user=" + user + ", password=****]";
        }
    }

    /** The login as it is now, read from the source (may be slow: called off the request threads). */
    Login current() throws Exception;
}
