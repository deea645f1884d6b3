package io.presencebroker.routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.presencebroker.config.Settings;
import io.presencebroker.sqs.SqsClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@code PRESENCE_ROUTES_S3_URI=s3://bucket/prefix/}: the route files are fetched at start from S3 into a new folder
 * under the temporary directory (the task's writable volume), which becomes the routes folder. An operator ships an
 * edit by uploading it and deploying, no image build. Only a pinned set is loaded: the prefix holds a manifest,
 * {@code routes.sha256} ({@code sha256sum *.yaml}), whose own SHA-256 the deployment names
 * ({@code PRESENCE_ROUTES_MANIFEST_SHA256}); exactly the files it lists are loaded, each checked against its sum, so an
 * object written to the bucket after the deployment (or one the manifest does not list) is never loaded. The caller
 * checks the fetched set before any route starts ({@code check-routes}, with its policy).
 */
public final class S3RouteSource {

    private static final Logger LOG = LoggerFactory.getLogger(S3RouteSource.class);
    /** The manifest beside the route files: {@code sha256sum *.yaml} of the set. */
    static final String MANIFEST = "routes.sha256";
    private static final String HOW = "in the routes folder run `sha256sum *.yaml > " + MANIFEST + "`, upload the files"
            + " and the manifest to the prefix, and deploy with PRESENCE_ROUTES_MANIFEST_SHA256 = `sha256sum " + MANIFEST
            + "` (deploy/README.md, step 4)";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** {@code sha256sum}'s line: the sum, a space, a space or {@code *} (binary mode), a file name of the folder. */
    private static final Pattern ENTRY = Pattern.compile("([0-9a-fA-F]{64}) [ *]([A-Za-z0-9._-]+\\.yaml)");

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

    /** Fetches the route files of {@code presence.routes.s3-uri} that its pinned manifest lists; returns their folder. */
    public static Path fetch(Settings settings) {
        Location location = Location.parse(settings.get("presence.routes.s3-uri"));
        String pinned = settings.get("presence.routes.manifest-sha256").strip().toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(pinned).matches()) {
            throw new IllegalStateException("PRESENCE_ROUTES_MANIFEST_SHA256 (presence.routes.manifest-sha256) must be"
                    + " the SHA-256 (64 hex digits) of " + location + MANIFEST + ", not \"" + pinned + "\": routes from S3"
                    + " are loaded only as a set the deployment names; " + HOW);
        }
        try (S3Client s3 = client(settings)) {
            return fetch(s3, location, pinned, Files.createTempDirectory("presence-routes-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the routes under " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    static Path fetch(S3Client s3, Location location, String pinned, Path folder) throws IOException {
        Map<String, String> listed;
        List<String> fetched = new ArrayList<>();
        try {
            byte[] manifest = get(s3, location, MANIFEST);
            if (manifest == null) {
                throw new IllegalStateException("There is no manifest " + location + MANIFEST + ": " + HOW);
            }
            String sum = sha256(manifest);
            if (!sum.equals(pinned)) {
                throw new IllegalStateException("The manifest " + location + MANIFEST + " has SHA-256 " + sum + ", not the "
                        + pinned + " the deployment names (PRESENCE_ROUTES_MANIFEST_SHA256): the set in S3 is not the one"
                        + " that was deployed, nothing is loaded");
            }
            listed = entries(new String(manifest, StandardCharsets.UTF_8), location);
            for (Map.Entry<String, String> entry : listed.entrySet()) {
                byte[] file = get(s3, location, entry.getKey());
                if (file == null) {
                    throw new IllegalStateException("The manifest lists " + entry.getKey() + ", which is not at " + location);
                }
                String fileSum = sha256(file);
                if (!fileSum.equals(entry.getValue())) {
                    throw new IllegalStateException(location + entry.getKey() + " has SHA-256 " + fileSum
                            + ", not the " + entry.getValue() + " its manifest lists: it changed after the set was"
                            + " deployed, nothing is loaded");
                }
                Files.write(folder.resolve(entry.getKey()), file);
                fetched.add(entry.getKey());
            }
        } catch (SdkException e) {
            throw new IllegalStateException("Cannot fetch the routes from " + location + ": " + e.getMessage()
                    + " (the task role needs s3:GetObject on the prefix)", e);
        }
        LOG.info("Routes fetched from {} into {}, as its manifest (SHA-256 {}) lists them: {}", location, folder, pinned,
                String.join(", ", fetched));
        return folder;
    }

    /** The manifest's lines, {@code <sha256>  <file>} as {@code sha256sum *.yaml} prints them: file name to sum. */
    static Map<String, String> entries(String manifest, Location location) {
        Map<String, String> entries = new TreeMap<>();
        int number = 0;
        for (String line : manifest.split("\n")) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            Matcher m = ENTRY.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalStateException(location + MANIFEST + " line " + number + " is not `<sha256>  <file>.yaml`"
                        + " (a file of the folder itself): " + line.strip());
            }
            if (entries.put(m.group(2), m.group(1).toLowerCase(Locale.ROOT)) != null) {
                throw new IllegalStateException(location + MANIFEST + " lists " + m.group(2) + " twice");
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalStateException(location + MANIFEST + " lists no route file: " + HOW);
        }
        return entries;
    }

    /** The object's bytes, or null when there is no such object. */
    private static byte[] get(S3Client s3, Location location, String name) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(location.prefix() + name)).asByteArray();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static S3Client client(Settings settings) {
        // an S3-compatible server (tests, local): path-style addressing, no bucket subdomains
        String endpoint = settings.get("presence.s3.endpoint");
        return SqsClients.configure(S3Client.builder(), settings, endpoint).forcePathStyle(!endpoint.isBlank()).build();
    }
}
