package io.presencebroker.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Adobe's S3Mock, a real S3-compatible server (its self-contained Spring Boot jar, copied to target/s3mock by the
 * build), in a process of its own over a fresh store folder, with the given buckets created.
 */
public final class S3MockServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final S3Client client;

    private S3MockServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.client = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(endpoint()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    public static S3MockServer start(Path store, String... buckets) throws IOException {
        Path jar = Path.of("target", "s3mock", "s3mock-exec.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the build copies it (mvn process-test-resources)");
        }
        int http = freePort();
        int https = freePort();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dhttp.port=" + http, "-jar", jar.toString(), "--server.port=" + https,
                "--com.adobe.testing.s3mock.store.root=" + store.toAbsolutePath(),
                "--com.adobe.testing.s3mock.store.initialBuckets=" + String.join(",", buckets))
                .redirectErrorStream(true).redirectOutput(store.resolveSibling(store.getFileName() + ".log").toFile()).start();
        S3MockServer server = new S3MockServer(process, http);
        HttpClient http1 = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + process.exitValue());
            }
            try {
                return http1.send(HttpRequest.newBuilder(URI.create(server.endpoint())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return server;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Uploads each file of {@code folder} as {@code prefix + name}. */
    public void upload(String bucket, String prefix, Path folder) throws IOException {
        List<Path> files;
        try (var list = Files.list(folder)) {
            files = list.toList();
        }
        for (Path f : files) {
            client.putObject(b -> b.bucket(bucket).key(prefix + f.getFileName()), RequestBody.fromFile(f));
        }
    }

    /**
     * A route set as an operator ships it (deploy/README.md): {@code sha256sum *.yaml > routes.sha256} in the folder,
     * the files and the manifest uploaded under the prefix; returns {@code sha256sum routes.sha256}, the sum the
     * deployment names (PRESENCE_ROUTES_MANIFEST_SHA256).
     */
    public String uploadSet(String bucket, String prefix, Path folder) throws IOException {
        shell(folder, "sha256sum *.yaml > routes.sha256");
        upload(bucket, prefix, folder);
        return shell(folder, "sha256sum routes.sha256").substring(0, 64);
    }

    private static String shell(Path folder, String command) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", command).directory(folder.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(command + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return output;
    }

    public S3Client client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
