package io.presencebroker.routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.presencebroker.config.Settings;
import io.presencebroker.sqs.SqsClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code PRESENCE_ROUTES_S3_URI=s3://bucket/prefix/}: the route files are fetched at start from S3 (every
 * {@code *.yaml} object directly under the prefix) into a new folder under the temporary directory (the task's
 * writable volume), which becomes the routes folder. An operator ships an edit with {@code aws s3 sync} and a new
 * deployment, no image build. The caller checks the fetched set before any route starts ({@code check-routes}).
 */
public final class S3RouteSource {

    private static final Logger LOG = LoggerFactory.getLogger(S3RouteSource.class);

    private S3RouteSource() {
    }

    /** Bucket and prefix of an {@code s3://bucket/prefix/} URI (the prefix empty or ending with a slash). */
    record Location(String bucket, String prefix) {

        static Location parse(String uri) {
            if (!uri.startsWith("s3://") || uri.length() <= "s3://".length()) {
                throw new IllegalStateException("PRESENCE_ROUTES_S3_URI (presence.routes.s3-uri) must be s3://bucket/prefix/,"
                        + " not " + uri);
            }
            String rest = uri.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix += "/";
            }
            return new Location(bucket, prefix);
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    /** Fetches the route files of {@code presence.routes.s3-uri}; returns the folder they are in. */
    public static Path fetch(Settings settings) {
        Location location = Location.parse(settings.get("presence.routes.s3-uri"));
        try (S3Client s3 = client(settings)) {
            return fetch(s3, location, Files.createTempDirectory("presence-routes-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the routes under " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    static Path fetch(S3Client s3, Location location, Path folder) throws IOException {
        List<String> fetched = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(location.prefix()))
                    .contents()) {
                String name = object.key().substring(location.prefix().length());
                if (name.contains("/") || !name.endsWith(".yaml")) {
                    continue; // only the files of the folder itself, as for a local routes folder
                }
                Files.write(folder.resolve(name), s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(object.key()))
                        .asByteArray());
                fetched.add(name);
            }
        } catch (SdkException e) {
            throw new IllegalStateException("Cannot fetch the routes from " + location + ": " + e.getMessage()
                    + " (the task role needs s3:ListBucket on the bucket for that prefix and s3:GetObject on the prefix)", e);
        }
        if (fetched.isEmpty()) {
            throw new IllegalStateException("There are no route files (*.yaml) at " + location
                    + ": upload them with `aws s3 sync routes/ " + location + "`");
        }
        LOG.info("Routes fetched from {} into {}: {}", location, folder, String.join(", ", fetched));
        return folder;
    }

    private static S3Client client(Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.require("aws.region")))
                .credentialsProvider(SqsClients.credentials(settings));
        String endpoint = settings.get("presence.s3.endpoint");
        if (!endpoint.isBlank()) {
            // an S3-compatible server (tests, local): path-style addressing, no bucket subdomains
            builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        return builder.build();
    }
}
