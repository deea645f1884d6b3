package io.presencebroker.store;

import io.presencebroker.failure.InvalidEventException;

/**
 * What an id must be for the store to tell it apart. The tables' ids are {@code utf8mb4_bin}, a PAD SPACE collation
 * on MySQL 8 and MariaDB alike: trailing spaces are ignored when ids are compared, so {@code "alice "} is the key
 * {@code "alice"}, and a client named so would take over alice's rows (her presence, the topics her chats go to). The
 * NO PAD collations are named differently on the two engines (MariaDB 11.4's {@code utf8mb4_0900_bin} is PAD SPACE,
 * unlike MySQL 8's), so instead an id that ends with a space is refused where it enters: the event or message is
 * dead-lettered with the reason. AWS IoT's thing names, which clients use as their client ids, cannot contain a space
 * ({@code [a-zA-Z0-9:_-]+}); docs/lifecycle-consumer.md, "Limits".
 */
public final class StoreIds {

    private StoreIds() {
    }

    /** {@code id}, unless it ends with a space: refused, naming {@code what} it is. */
    public static String exact(String what, String id) {
        if (id.endsWith(" ")) {
            String trimmed = id.stripTrailing();
            throw new InvalidEventException(what + " ends with a space: ids compare with trailing spaces ignored in the"
                    + " store, so \"" + id + "\" would be the " + noun(what) + " \"" + trimmed + "\"");
        }
        return id;
    }

    private static String noun(String what) {
        return switch (what) {
            case "clientId" -> "client";
            case "userId", "user id" -> "user";
            case "chatId", "chat id" -> "chat";
            case "messageId" -> "message";
            default -> what.startsWith("recipients") ? "recipient" : what;
        };
    }
}
