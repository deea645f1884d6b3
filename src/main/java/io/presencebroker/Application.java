package io.presencebroker;

import java.util.Arrays;
import java.util.Map;

import io.presencebroker.local.Demo;
import io.presencebroker.local.EmbeddedMqtt;
import io.presencebroker.local.EmbeddedServices;
import io.presencebroker.replay.DlqReplay;

/**
 * Commands of the packaged application.
 * <ul>
 * <li>{@code run} (default): the service, configured from the environment; refuses to start without its settings.</li>
 * <li>{@code local}: the service on embedded ElasticMQ and MariaDB, no AWS account needed.</li>
 * <li>{@code demo}: {@code local} plus a scripted session sent through SQS; prints {@code socket_status} and exits.</li>
 * <li>{@code replay-dlq}: moves dead-lettered messages back to the events queue (see {@link DlqReplay#USAGE}).</li>
 * </ul>
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "run" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "run" -> new PresenceBroker(Map.of()).run();
            case "local" -> {
                try (EmbeddedServices services = EmbeddedServices.start(); EmbeddedMqtt mqtt = EmbeddedMqtt.start()) {
                    Map<String, String> props = localProperties(services);
                    props.putAll(mqtt.localProperties(services));
                    new PresenceBroker(props).run();
                }
            }
            case "demo" -> System.exit(Demo.run(rest));
            case "replay-dlq" -> System.exit(DlqReplay.main(rest, Map.of()));
            default -> {
                System.err.println("usage: presence-broker [run | local | demo | replay-dlq [options]]");
                System.exit(2);
            }
        }
    }

    /** Embedded servers, queues created, and the default queue names. */
    public static Map<String, String> localProperties(EmbeddedServices services) {
        Map<String, String> props = new java.util.LinkedHashMap<>(services.properties());
        props.put("presence.events-queue", "presence-events");
        props.put("presence.dlq", "presence-events-dlq");
        services.createQueues("presence-events", "presence-events-dlq");
        return props;
    }
}
