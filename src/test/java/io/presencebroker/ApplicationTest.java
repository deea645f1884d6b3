package io.presencebroker;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a new user meets it: every command answers --help, the version is printed, usage errors and
 * missing settings are one line with their exit code, and a stack trace only with --debug. (The environment of this
 * JVM sets none of the service's settings; the packaged jar is run the same way by ContainerEntrypointIT.)
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
class ApplicationTest {

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Application.execute(args);
            return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "local", "demo", "migrate", "replay-dlq", "check-routes", "settings"})
    void everyCommandAnswersHelpAndExitsZero(String command) {
        Result help = command.isEmpty() ? run("--help") : run(command, "--help");

        assertThat(help.status()).isZero();
        assertThat(help.out()).startsWith("Usage: presence-broker" + (command.isEmpty() ? "" : " " + command));
        assertThat(help.err()).isEmpty();
    }

    @Test
    void theTopLevelHelpListsTheCommandsAndTheExitCodes() {
        String help = run("--help").out();

        assertThat(help).contains("  run ", "  replay-dlq ", "  check-routes ", "  settings ", "Exit codes:",
                "  3   configuration");
        assertThat(run("--version")).satisfies(v -> {
            assertThat(v.status()).isZero();
            assertThat(v.out()).startsWith("presence-broker ");
        });
    }

    @Test
    void aMissingSettingIsOneLineNamingEveryMissingVariableWithoutAStackTrace() {
        for (List<String> command : List.of(List.of("run"), List.of("replay-dlq", "--dry-run"), List.of("migrate"))) {
            Result r = run(command.toArray(String[]::new));

            assertThat(r.status()).as(command.toString()).isEqualTo(Application.CONFIGURATION);
            assertThat(r.err().lines().toList()).as(command.toString()).hasSize(1).first().asString()
                    .startsWith("presence-broker: Required settings are missing: ")
                    .doesNotContain("Exception", "\tat ");
        }
        assertThat(run("replay-dlq", "--dry-run").err()).contains("PRESENCE_DLQ", "PRESENCE_EVENTS_QUEUE", "AWS_REGION");
    }

    @Test
    void withDebugTheStackTraceFollows() {
        Result r = run("--debug", "run");

        assertThat(r.status()).isEqualTo(Application.CONFIGURATION);
        assertThat(r.err()).startsWith("presence-broker: Required settings are missing: ").contains("\tat ");
    }

    @Test
    void aSettingRefusedDeepInsideTheStartIsAConfigurationFailureInOneLine() {
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            // as camel-main wraps what a bean method throws while the routes are made
            status = Application.fail(new org.apache.camel.RuntimeCamelException(new IllegalStateException(
                    "bean presenceApiGuard", new io.presencebroker.config.SettingException(
                            "PRESENCE_API_TOKEN (presence.api.token) must be at least 16 characters"))), false);
        } finally {
            System.setErr(err);
        }

        assertThat(status).isEqualTo(Application.CONFIGURATION);
        assertThat(e.toString(StandardCharsets.UTF_8)).isEqualTo("presence-broker: bean presenceApiGuard (SettingException:"
                + " PRESENCE_API_TOKEN (presence.api.token) must be at least 16 characters)\n");
    }

    @Test
    void aUsageErrorExitsTwo() {
        assertThat(run("replay-dlq", "--bogus").status()).isEqualTo(Application.USAGE);
        assertThat(run("no-such-command").status()).isEqualTo(Application.USAGE);
        assertThat(run("check-routes").status()).as("DIR missing").isEqualTo(Application.USAGE);
    }

    @Test
    void checkRoutesExitsZeroOnTheShippedRoutes() {
        Result r = run("check-routes", "routes");

        assertThat(r.status()).isZero();
        assertThat(r.out()).endsWith("no problems\n");
    }

    @Test
    void theSettingsCommandPrintsTheTable() {
        assertThat(run("settings").out()).contains("| `PRESENCE_EVENTS_QUEUE` | required |",
                "| `PRESENCE_API_TOKEN` | required with `PRESENCE_API_ENABLED` |");
    }
}
