package io.presencebroker.local;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.presencebroker.PresenceBroker;
import io.presencebroker.config.Settings;

/**
 * The {@code local} and {@code demo} commands, on the embedded development servers. Loaded by name, in a class loader
 * of its own over the application jar, {@code lib/} and {@code lib-local/} ({@code io.presencebroker.LocalCommands}),
 * so that the production classpath never refers to the embedded servers.
 */
public final class LocalMain {

    private LocalMain() {
    }

    /** {@code args[0]} is the command ({@code local} or {@code demo}), the rest its arguments; returns the exit code. */
    public static int run(String[] args) throws Exception {
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if ("demo".equals(args[0])) {
            return Demo.run(rest);
        }
        try (EmbeddedServices services = EmbeddedServices.start(); EmbeddedMqtt mqtt = EmbeddedMqtt.start()) {
            Map<String, String> props = localProperties(services);
            props.putAll(mqtt.localProperties(services));
            // the read API is on here: a token of this run's own, unless the environment gives one
            Settings settings = Settings.load(props);
            if (settings.get("presence.api.token").isBlank()) {
                String token = UUID.randomUUID().toString();
                props.put("presence.api.token", token);
                System.out.println("read API: http://localhost:" + settings.get("presence.api.port")
                        + "/presence/{clientId}, Authorization: Bearer " + token);
            }
            return new PresenceBroker(props).run();
        }
    }

    /** Embedded servers, queues created, and the default queue names. */
    public static Map<String, String> localProperties(EmbeddedServices services) {
        Map<String, String> props = new LinkedHashMap<>(services.properties());
        props.put("presence.events-queue", "presence-events");
        props.put("presence.dlq", "presence-events-dlq");
        services.createQueues("presence-events", "presence-events-dlq");
        return props;
    }
}
