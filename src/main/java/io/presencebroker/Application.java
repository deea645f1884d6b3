package io.presencebroker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

import io.presencebroker.check.RouteCheck;
import io.presencebroker.config.SettingDeclarations;
import io.presencebroker.config.SettingException;
import io.presencebroker.config.Settings;
import io.presencebroker.lifecycle.ReconcileCommand;
import io.presencebroker.replay.DlqReplay;
import io.presencebroker.store.DatabaseMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * The command line of the packaged application (picocli): {@code run} (the default: the service, configured from the
 * environment), {@code local} and {@code demo} (on embedded servers), {@code migrate}, {@code replay-dlq},
 * {@code check-routes DIR} and {@code settings}, each with {@code --help}. A failure is one line (a JSON record with
 * {@code PRESENCE_LOG_FORMAT=json}), its stack trace only with {@code --debug}. {@code local} and {@code demo} need the
 * embedded development servers, which are not in the production image: they run in a class loader of their own over
 * {@code lib-local/} (see {@link LocalCommands}).
 */
@Command(name = "presence-broker", mixinStandardHelpOptions = true, versionProvider = Application.Version.class,
        // --help, --version and the version provider hold for every subcommand too
        scope = ScopeType.INHERIT,
        description = "Turns AWS IoT lifecycle events into an ordering-safe presence store in MySQL, and delivers chat "
                + "messages over the recipient's MQTT socket or as a push notification. Without a command: run.",
        subcommands = {Application.Run.class, Application.Local.class, Application.Demo.class,
            Application.Migrate.class, Application.ReplayDlq.class, Application.Reconcile.class, Application.CheckRoutes.class,
            Application.SettingsTable.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (check-routes: no problems)",
            "1:failed (check-routes: problems found; replay-dlq: a send failed; run: the service could not start or "
                    + "stopped on an error)",
            "2:usage: an unknown command or option, a bad value, a command not available here",
            "3:configuration: a required setting is missing or a setting has a value of the wrong shape"},
        footer = {"%nSettings come from the environment (PRESENCE_*, AWS_REGION): `presence-broker settings` lists them."})
public final class Application implements Callable<Integer> {

    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int CONFIGURATION = 3;

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "a failure prints its stack trace too")
    boolean debug;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line; returns the exit code. */
    public static int execute(String... args) {
        boolean debug = Arrays.asList(args).contains("--debug");
        CommandLine cli = new CommandLine(new Application());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> fail(e, debug));
        return cli.execute(args);
    }

    /** Without a command: the service. */
    @Override
    public Integer call() throws Exception {
        return new Run().call();
    }

    /** A failure as one line; the stack trace only with --debug. */
    static int fail(Exception e, boolean debug) {
        String message = message(e);
        if ("json".equalsIgnoreCase(System.getenv("PRESENCE_LOG_FORMAT"))) {
            if (debug) {
                LOG.error(message, e);
            } else {
                LOG.error(message);
            }
        } else {
            System.err.println("presence-broker: " + message);
            if (debug) {
                e.printStackTrace();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SettingException) {
                return CONFIGURATION;
            }
        }
        return FAILED;
    }

    /**
     * The first message of the cause chain that says something (wrappers such as Camel's around a reflective call
     * only repeat their cause's class name) and, when it adds something, the root cause's, on one line.
     */
    static String message(Throwable e) {
        Throwable said = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            root = t;
            boolean wrapper = t.getMessage() == null || t instanceof java.lang.reflect.InvocationTargetException
                    || t.getCause() != null && t.getMessage().equals(t.getCause().toString());
            if (said == null && !wrapper) {
                said = t;
            }
        }
        if (said == null) {
            said = root;
        }
        String top = said.getMessage() == null ? said.getClass().getSimpleName() : said.getMessage();
        String cause = root == said || root.getMessage() == null || top.contains(root.getMessage()) ? ""
                : " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        return (top + cause).replaceAll("\\s*\\R\\s*", " ");
    }

    @Command(name = "run",
            description = {"The service (the default command).", "The service, configured from the environment (the container's command). It refuses to "
                    + "start, naming the variables, when a required setting is missing, and never falls back to "
                    + "embedded services. It runs until SIGTERM or SIGINT, then shuts down gracefully."})
    static final class Run implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return new PresenceBroker(Map.of()).run();
        }
    }

    @Command(name = "local",
            description = {"The service on embedded servers, until Ctrl-C.", "The service on an embedded ElasticMQ, MariaDB and MQTT broker, until Ctrl-C (not in the "
                    + "production image: there it exits with 2)."})
    static final class Local implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return LocalCommands.run("local", new String[0]);
        }
    }

    @Command(name = "demo",
            description = {"A scripted session on embedded servers.", "`local` plus a scripted session sent through SQS; prints socket_status, delivers one chat "
                    + "message each way, and exits (not in the production image: there it exits with 2)."})
    static final class Demo implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return LocalCommands.run("demo", new String[0]);
        }
    }

    @Command(name = "migrate",
            description = {"Migrates the schema and the runtime user.", "Applies the schema migrations with PRESENCE_DB_USER (the migration credential) and, with "
                    + "PRESENCE_DB_RUNTIME_USER set, creates or updates the runtime user with only the service's "
                    + "privileges; then exits."})
    static final class Migrate implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Settings settings = Settings.load(Map.of());
            settings.requireAll("presence.db.url", "presence.db.user");
            if (!settings.get("presence.db.runtime-user").isBlank()) {
                settings.requireAll("presence.db.runtime-password");
            }
            return DatabaseMigration.main(Map.of());
        }
    }

    @Command(name = "replay-dlq",
            description = {"Moves dead-lettered messages back.", "Moves dead-lettered messages back to the queue they came from (the events queue, or the "
                    + "outbox queue for failed deliveries): sent first, deleted from the dead-letter queue after, so a "
                    + "crash duplicates and never loses. Queues and endpoint come from PRESENCE_DLQ, "
                    + "PRESENCE_EVENTS_QUEUE, PRESENCE_OUTBOX_QUEUE, AWS_REGION, PRESENCE_SQS_ENDPOINT."})
    static final class ReplayDlq implements Callable<Integer> {
        @Option(names = "--max", paramLabel = "N", description = "move at most N messages (default: all)")
        int max = Integer.MAX_VALUE;
        @Option(names = "--dry-run", description = "list what would move, with totals; change nothing")
        boolean dryRun;
        @Option(names = "--reason", paramLabel = "TEXT",
                description = "only messages whose reason contains TEXT (case-insensitive)")
        String reason;
        @Option(names = "--error-type", paramLabel = "TYPE", description = "only messages of this error type "
                + "(InvalidEventException, MysqlDataTruncation, MaxReceiveCountExceeded, IotRuleActionFailure, ...)")
        String errorType;
        @Option(names = "--rate", paramLabel = "PER_SECOND", description = "at most this many messages per second "
                + "(default: ${DEFAULT-VALUE})")
        double rate = 50;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            DlqReplay.Options options = options();
            Settings.load(Map.of()).requireAll("presence.dlq", "presence.events-queue", "aws.region");
            return DlqReplay.replay(options, Map.of());
        }

        DlqReplay.Options options() {
            if (max <= 0 || rate <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max and --rate must be positive");
            }
            return new DlqReplay.Options(max, dryRun, reason, errorType, rate);
        }

        /** The options of {@code replay-dlq ARGS}, parsed as the command line does (for the tests). */
        static DlqReplay.Options parse(String... args) {
            ReplayDlq command = new ReplayDlq();
            new CommandLine(command).parseArgs(args);
            return command.options();
        }
    }

    @Command(name = "reconcile",
            description = {"Reconciles presence with AWS IoT's record.", "One reconciliation pass now (docs/reconciliation.md): each client stored connected (or "
                    + "only --client) is asked of AWS IoT (GetThingConnectivityData) within "
                    + "PRESENCE_RECONCILE_REQUESTS_PER_SECOND; a disconnect the record proves is applied, other "
                    + "disagreements are printed. Exits with 1 when another instance is running a pass."})
    static final class Reconcile implements Callable<Integer> {
        @Option(names = "--dry-run", description = "print what it would repair; change nothing")
        boolean dryRun;
        @Option(names = "--client", paramLabel = "ID", description = "only this client, whatever its stored state")
        String client;

        @Override
        public Integer call() throws Exception {
            return ReconcileCommand.run(dryRun, client, Map.of(), System.out);
        }
    }

    @Command(name = "check-routes",
            description = {"Checks a folder of route files.", "Checks a folder of route files without connecting anywhere and without any setting: "
                    + "the YAML DSL's schema, bean references and methods, endpoint URIs and options, property "
                    + "placeholders, Simple expressions, and what the service needs of its routes. Prints one line "
                    + "per problem (file:line: problem)."})
    static final class CheckRoutes implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "a folder of Camel YAML route files")
        Path dir;

        @Override
        public Integer call() {
            return RouteCheck.run(dir, PresenceBroker.CONFIGURATIONS, System.out);
        }
    }

    @Command(name = "settings",
            description = {"Lists every setting.", "Lists every setting: its environment variable, default (or whether it is required) and "
                    + "meaning, as a Markdown table (the README's)."})
    static final class SettingsTable implements Callable<Integer> {
        @Override
        public Integer call() {
            PrintWriter out = new PrintWriter(System.out, true);
            out.print(SettingDeclarations.load().markdownTable());
            out.flush();
            return 0;
        }
    }

    /** The jar's Implementation-Version (Maven's project version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Application.class.getPackage().getImplementationVersion();
            return new String[] {"presence-broker " + (version == null ? "(development build)" : version)};
        }
    }
}
