package io.presencebroker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command on the packaged jar, with only the jar's own runtime classpath (target/lib): the demo
 * starts the embedded servers, every route (delivery, the MQTT source and the read API included), prints the socket
 * status and delivers one message over MQTT and one as a push request. A component missing from the runtime
 * dependencies (present only on the test classpath) fails here.
 */
class DemoIT {

    @Test
    void theDemoRunsOnThePackagedJar() throws Exception {
        Path out = Files.createTempFile("presence-demo", ".log");
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "target/presence-broker.jar", "demo")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = demo.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            demo.destroyForcibly();
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(finished).as("demo finished within 5 minutes").isTrue();
        assertThat(demo.exitValue()).as("exit code; output:%n%s", log).isZero();
        assertThat(log).contains("| alice     | true         | 17       | app/alice/chat/17    |",
                "| carol     | false        | null     | null                 |",
                "received it over MQTT: app/alice/chat/17",
                "\"recipient\":\"carol\"");
        Files.deleteIfExists(out);
    }
}
