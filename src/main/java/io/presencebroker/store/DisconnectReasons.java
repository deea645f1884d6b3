package io.presencebroker.store;

import java.util.Set;

/**
 * Which of AWS IoT's disconnect reasons are unclean losses: the connection ended without the client, the service or
 * an operator deciding it (the network went, the keep-alive ran out, the broker failed). The client's app is likely
 * still running and reconnects when it can, unlike after a clean disconnect (the client said goodbye, was replaced
 * by its own newer connection, was refused, or an operator or the server ended it on purpose).
 */
public final class DisconnectReasons {

    static final Set<String> UNCLEAN = Set.of("CONNECTION_LOST", "MQTT_KEEP_ALIVE_TIMEOUT", "SERVER_ERROR");

    private DisconnectReasons() {
    }

    /** Whether a disconnect with this reason (null: none given) was an unclean loss. */
    public static boolean unclean(String reason) {
        return reason != null && UNCLEAN.contains(reason);
    }
}
