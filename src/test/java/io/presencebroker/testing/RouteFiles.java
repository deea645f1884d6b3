package io.presencebroker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** The shipped route files, copied for a test that edits them as an operator would. */
public final class RouteFiles {

    private RouteFiles() {
    }

    /** Copies routes/ into {@code target}, with {@code lifecycleEdit} applied to lifecycle-events.yaml (it must change it). */
    public static Path copy(Path target, UnaryOperator<String> lifecycleEdit) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                String yaml = Files.readString(f);
                if (f.getFileName().toString().equals("lifecycle-events.yaml")) {
                    String edited = lifecycleEdit.apply(yaml);
                    assertThat(edited).as("the edit applies to the shipped route").isNotEqualTo(yaml);
                    yaml = edited;
                }
                Files.writeString(target.resolve(f.getFileName()), yaml);
            }
        }
        return target;
    }

    /** The shipped route files, unchanged. */
    public static Path copy(Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    /** An edit in front of the eventType router: the events of load-test clients are dropped. */
    public static String dropLoadTestClients(String yaml) {
        return yaml.replace("            method: parse\n", """
                            method: parse
                        # drop the events of load-test clients
                        - filter:
                            simple: "${header.clientId} startsWith 'loadtest-'"
                            steps:
                              - stop: {}
                """);
    }
}
