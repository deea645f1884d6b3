package io.presencebroker;

import java.util.Arrays;
import java.util.Map;

import io.presencebroker.check.RouteCheck;
import io.presencebroker.replay.DlqReplay;
import io.presencebroker.store.DatabaseMigration;

/**
 * Commands of the packaged application.
 * <ul>
 * <li>{@code run} (default): the service, configured from the environment; refuses to start without its settings.</li>
 * <li>{@code local}: the service on embedded ElasticMQ and MariaDB, no AWS account needed.</li>
 * <li>{@code demo}: {@code local} plus a scripted session sent through SQS; prints {@code socket_status} and exits.</li>
 * <li>{@code migrate}: the schema migrations and the runtime database user (see {@link DatabaseMigration}), then exits.</li>
 * <li>{@code replay-dlq}: moves dead-lettered messages back to the events queue (see {@link DlqReplay#USAGE}).</li>
 * <li>{@code check-routes DIR}: checks a folder of route files without connecting anywhere (see {@link RouteCheck}).</li>
 * </ul>
 * {@code local} and {@code demo} need the embedded development servers, which are not in the production image: they
 * run in a class loader of their own over {@code lib-local/} (see {@link LocalCommands}).
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "run" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "run" -> new PresenceBroker(Map.of()).run();
            case "local", "demo" -> System.exit(LocalCommands.run(command, rest));
            case "migrate" -> System.exit(DatabaseMigration.main(Map.of()));
            case "replay-dlq" -> System.exit(DlqReplay.main(rest, Map.of()));
            case "check-routes" -> System.exit(RouteCheck.main(rest, System.out));
            default -> {
                System.err.println("usage: presence-broker [run | local | demo | migrate | replay-dlq [options] | check-routes DIR]");
                System.exit(2);
            }
        }
    }
}
