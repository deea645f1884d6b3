package io.presencebroker.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service as a separate JVM, configured only through environment variables as on Fargate, that a test can kill
 * (SIGKILL) or stop (SIGTERM).
 */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ServiceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code java [jvmFlags] -cp <test classpath> io.presencebroker.Application run}. */
    public static ServiceProcess start(Map<String, String> settings, List<String> jvmFlags, String name) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classpath, "io.presencebroker.Application", "run"));
        return start(command, settings, name);
    }

    public static ServiceProcess start(List<String> command, Map<String, String> settings, String name) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        settings.forEach((k, v) -> builder.environment().put(environmentName(k), v));
        Path log = Path.of("target", name + ".log");
        Files.createDirectories(log.getParent());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ServiceProcess(builder.start(), log);
    }

    /** presence.events-queue -> PRESENCE_EVENTS_QUEUE, the way Camel maps environment variables. */
    public static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    public File logFile() {
        return log.toFile();
    }

    /** SIGKILL: no shutdown hook, no graceful stop. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as ECS sends it; returns the exit code, or -1 if it did not exit in time. */
    public int terminate(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
