package io.presencebroker.lifecycle;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.presencebroker.store.StoreIds;

/**
 * The user a client id belongs to (presence.user-id-pattern): group 1 of the pattern's first match in the client id.
 * A client id the pattern does not match, or whose group 1 is empty, is its own user. With the default pattern,
 * {@code ^(.*)$}, every client is its own user. Stored with each client's presence row (docs/users.md).
 */
public final class UserIds {

    private final Pattern pattern;

    public UserIds(String pattern) {
        this.pattern = Pattern.compile(pattern);
        if (this.pattern.matcher("").groupCount() < 1) {
            throw new IllegalArgumentException("presence.user-id-pattern needs a group 1, the user id: " + pattern);
        }
    }

    public String of(String clientId) {
        Matcher m = pattern.matcher(clientId);
        if (m.find() && m.group(1) != null && !m.group(1).isEmpty()) {
            return StoreIds.exact("user id", m.group(1));
        }
        return clientId;
    }
}
