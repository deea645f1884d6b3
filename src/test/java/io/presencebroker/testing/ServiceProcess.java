package io.presencebroker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

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

    /**
     * The container's ENTRYPOINT and CMD from the Dockerfile, with the image's jar path mapped to this checkout's
     * packaged jar, and {@code -XX:MaxRAM=512m} so that the JVM sizes itself as in the smallest Fargate task.
     */
    public static List<String> entrypointCommand() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        List<String> command = new ArrayList<>(jsonArray(dockerfile, "ENTRYPOINT"));
        command.addAll(jsonArray(dockerfile, "CMD"));
        if (!command.get(0).equals("java")) {
            throw new IllegalStateException("the ENTRYPOINT does not start with java: " + command);
        }
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(1, "-XX:MaxRAM=512m");
        command.replaceAll(arg -> arg.equals("/app/presence-broker.jar")
                ? Path.of("target", "presence-broker.jar").toAbsolutePath().toString() : arg);
        return command;
    }

    private static List<String> jsonArray(String dockerfile, String instruction) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(\\[.*])\\s*$").matcher(dockerfile);
        if (!m.find()) {
            throw new IllegalStateException(instruction + " in exec form not found in the Dockerfile");
        }
        return List.of(new ObjectMapper().readValue(m.group(1), String[].class));
    }

    /** Peak resident set size so far (VmHWM), in KiB. */
    public long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** CPU time used so far (user + system), in seconds. */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
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
