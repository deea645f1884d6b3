package io.presencebroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for AWS Secrets Manager: an HTTP server that speaks the wire contract of the operations a single-user
 * rotation and the service use (AWS JSON 1.1: {@code POST /}, {@code X-Amz-Target: secretsmanager.<Operation>}, the
 * request and answer members of the API reference; errors as HTTP 400 with {@code __type}), driven through the real
 * AWS SDK client. One secret, its versions and their staging labels: {@code GetSecretValue} (by stage, AWSCURRENT by
 * default, or by version id), {@code DescribeSecret} ({@code VersionIdsToStages}), {@code PutSecretValue} (idempotent
 * on its {@code ClientRequestToken}), {@code UpdateSecretVersionStage} (moving AWSCURRENT labels the version it left
 * AWSPREVIOUS, as the service does), {@code GetRandomPassword}.
 * <p>
 * Not reproduced: request signatures and IAM (any request is taken), KMS, the rotation scheduler and its Lambda
 * invocations (the test drives the steps), version limits and deprecation, eventual consistency (a put is read back at
 * once), and the answers to operations not listed (HTTP 400 {@code UnsupportedOperation}).
 */
public final class SecretsManagerStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final HttpServer server;
    private final String name;
    private final String arn;
    /** Version id to its secret string, in the order they were put. */
    private final Map<String, String> versions = new LinkedHashMap<>();
    /** Version id to its staging labels. */
    private final Map<String, Set<String>> stages = new LinkedHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();

    private SecretsManagerStandIn(String name, String initial) throws IOException {
        this.name = name;
        this.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf";
        String first = UUID.randomUUID().toString();
        versions.put(first, initial);
        stages.put(first, new LinkedHashSet<>(List.of("AWSCURRENT")));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /** A server holding one secret, {@code name}, whose AWSCURRENT version is {@code secretString}. */
    public static SecretsManagerStandIn start(String name, String secretString) {
        try {
            return new SecretsManagerStandIn(name, secretString);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String arn() {
        return arn;
    }

    /** How many GetSecretValue requests were answered. */
    public int reads() {
        return reads.get();
    }

    /** The secret string of the version that holds {@code stage}. */
    public synchronized String valueAt(String stage) {
        return versions.get(versionAt(stage));
    }

    private void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        ObjectNode answer;
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            try {
                answer = answer(target == null ? "" : target.replaceFirst("^secretsmanager\\.", ""), request);
            } catch (ServiceError e) {
                status = 400;
                answer = JSON.createObjectNode().put("__type", e.type).put("Message", e.getMessage());
                exchange.getResponseHeaders().add("x-amzn-ErrorType", e.type);
            }
            byte[] body = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private synchronized ObjectNode answer(String operation, JsonNode request) {
        if (!operation.equals("GetRandomPassword")) {
            String id = request.path("SecretId").asText();
            if (!id.equals(arn) && !id.equals(name)) {
                throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        switch (operation) {
            case "GetSecretValue" -> {
                String version = request.hasNonNull("VersionId") ? request.get("VersionId").asText()
                        : versionAt(request.path("VersionStage").asText("AWSCURRENT"));
                if (version == null || !versions.containsKey(version)
                        || request.hasNonNull("VersionStage") && !stages.get(version).contains(request.get("VersionStage").asText())) {
                    throw new ServiceError("ResourceNotFoundException",
                            "Secrets Manager can't find the specified secret value for staging label or version.");
                }
                reads.incrementAndGet();
                answer.put("ARN", arn).put("Name", name).put("VersionId", version)
                        .put("SecretString", versions.get(version)).put("CreatedDate", System.currentTimeMillis() / 1000.0);
                stages.get(version).forEach(answer.putArray("VersionStages")::add);
            }
            case "DescribeSecret" -> {
                answer.put("ARN", arn).put("Name", name).put("RotationEnabled", true);
                ObjectNode map = answer.putObject("VersionIdsToStages");
                stages.forEach((version, labels) -> {
                    if (!labels.isEmpty()) {
                        labels.forEach(map.putArray(version)::add);
                    }
                });
            }
            case "PutSecretValue" -> {
                String version = request.path("ClientRequestToken").asText(UUID.randomUUID().toString());
                String value = request.path("SecretString").asText();
                if (versions.containsKey(version)) {
                    if (!versions.get(version).equals(value)) {
                        throw new ServiceError("ResourceExistsException",
                                "A resource with the ID you requested already exists.");
                    }
                } else {
                    versions.put(version, value);
                    stages.put(version, new LinkedHashSet<>());
                }
                List<String> labels = new ArrayList<>();
                request.path("VersionStages").forEach(n -> labels.add(n.asText()));
                for (String label : labels.isEmpty() ? List.of("AWSCURRENT") : labels) {
                    move(label, version);
                }
                answer.put("ARN", arn).put("Name", name).put("VersionId", version);
                stages.get(version).forEach(answer.putArray("VersionStages")::add);
            }
            case "UpdateSecretVersionStage" -> {
                String label = request.path("VersionStage").asText();
                String from = request.path("RemoveFromVersionId").asText(null);
                String holder = versionAt(label);
                if (holder != null && !holder.equals(from) && request.hasNonNull("MoveToVersionId")) {
                    throw new ServiceError("InvalidParameterException", "The staging label " + label
                            + " is currently attached to version " + holder + ", so you must explicitly reference that"
                            + " version in RemoveFromVersionId.");
                }
                if (request.hasNonNull("MoveToVersionId")) {
                    String to = request.get("MoveToVersionId").asText();
                    if (!versions.containsKey(to)) {
                        throw new ServiceError("ResourceNotFoundException", "Version " + to + " not found.");
                    }
                    move(label, to);
                } else if (from != null && stages.containsKey(from)) {
                    stages.get(from).remove(label);
                }
                answer.put("ARN", arn).put("Name", name);
            }
            case "GetRandomPassword" -> {
                int length = request.path("PasswordLength").asInt(32);
                String exclude = request.path("ExcludeCharacters").asText("");
                boolean noPunctuation = request.path("ExcludePunctuation").asBoolean(false);
                String alphabet = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        + (noPunctuation ? "" : PUNCTUATION)).chars()
                        .filter(c -> exclude.indexOf(c) < 0)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
                StringBuilder password = new StringBuilder();
                for (int i = 0; i < length; i++) {
                    password.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                answer.put("RandomPassword", password.toString());
            }
            default -> throw new ServiceError("UnsupportedOperation", "not served by this stand-in: " + operation);
        }
        return answer;
    }

    /** Attaches a label to a version, taking it off the one that had it; AWSCURRENT leaves AWSPREVIOUS behind. */
    private void move(String label, String version) {
        String holder = versionAt(label);
        if (version.equals(holder)) {
            return;
        }
        if (holder != null) {
            stages.get(holder).remove(label);
            if (label.equals("AWSCURRENT")) {
                String previous = versionAt("AWSPREVIOUS");
                if (previous != null) {
                    stages.get(previous).remove("AWSPREVIOUS");
                }
                stages.get(holder).add("AWSPREVIOUS");
            }
        }
        stages.get(version).add(label);
    }

    private String versionAt(String label) {
        return stages.entrySet().stream().filter(e -> e.getValue().contains(label)).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private static final class ServiceError extends RuntimeException {
        final String type;

        ServiceError(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }
}
