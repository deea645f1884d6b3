package io.presencebroker.api;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The platform-http engine pinned to the read API's port. Camel 4.17 starts two Vert.x servers when both
 * {@code camel.server} (the API) and {@code camel.management} (health, metrics) are enabled on different ports; the
 * stock engine then cannot tell which server a platform-http route belongs to (it looks for a single server) and
 * falls back to port 8080, so any other API port fails at start. This engine answers the configured port.
 */
public class PresenceApiEngine extends VertxPlatformHttpEngine {

    private final int port;

    public PresenceApiEngine(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
