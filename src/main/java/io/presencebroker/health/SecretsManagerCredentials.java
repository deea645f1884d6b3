package io.presencebroker.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The database login from an AWS Secrets Manager secret, read by ARN (version stage AWSCURRENT): the JSON of an RDS
 * secret ({@code {"username": ..., "password": ...}}, as the rotation functions write it; with the alternating-users
 * strategy the user name changes too), or a plain string that is the password alone (the user then stays
 * {@code presence.db.user}). Needs {@code secretsmanager:GetSecretValue} on the secret (and {@code kms:Decrypt} on a
 * customer-managed key) in the task role.
 */
public final class SecretsManagerCredentials implements DatabaseCredentials, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SecretsManagerClient client;
    private final String secretArn;
    private final String defaultUser;

    public SecretsManagerCredentials(SecretsManagerClient client, String secretArn, String defaultUser) {
        this.client = client;
        this.secretArn = secretArn;
        this.defaultUser = defaultUser;
    }

    @Override
    public Login current() throws Exception {
        return parse(client.getSecretValue(b -> b.secretId(secretArn)).secretString(), defaultUser);
    }

    /** The login a secret string holds (JSON with username/password, or the password alone). */
    static Login parse(String secret, String defaultUser) throws Exception {
        if (secret == null) {
            throw new IllegalStateException("the secret has no string value (binary secrets are not supported)");
        }
        String trimmed = secret.strip();
        if (!trimmed.startsWith("{")) {
            return new Login(defaultUser, secret);
        }
        JsonNode node = JSON.readTree(trimmed);
        JsonNode password = node.get("password");
        if (password == null || !password.isTextual()) {
            throw new IllegalStateException("the secret's JSON has no string field \"password\"");
        }
        JsonNode user = node.get("username");
        return new Login(user != null && user.isTextual() ? user.asText() : defaultUser, password.asText());
    }

    @Override
    public void close() {
        client.close();
    }
}
