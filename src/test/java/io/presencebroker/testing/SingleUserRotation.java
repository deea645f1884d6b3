package io.presencebroker.testing;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The four steps of AWS's single-user rotation function for MySQL (SecretsManagerRDSMySQLRotationSingleUser, the one
 * {@code HostedRotationLambda: {RotationType: MySQLSingleUser}} deploys), as that function performs them, through the
 * real SDK client against a Secrets Manager endpoint ({@link SecretsManagerStandIn}) and a real database:
 * <ol>
 * <li>createSecret: a random password (GetRandomPassword, the excluded characters) put as AWSPENDING under the
 *     rotation's token;</li>
 * <li>setSecret: log in with AWSPENDING (done if it works), else with AWSCURRENT (else AWSPREVIOUS), as the user
 *     itself, and set its own password to AWSPENDING's ({@code SET PASSWORD}); sessions already open stay;</li>
 * <li>testSecret: log in with AWSPENDING and run a query;</li>
 * <li>finishSecret: move AWSCURRENT to the token's version (the old one becomes AWSPREVIOUS).</li>
 * </ol>
 * Between setSecret and finishSecret the database takes only the new password while AWSCURRENT still holds the old
 * one: a client that reads the secret then gets a password that no longer works.
 */
public final class SingleUserRotation implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The template's ExcludeCharacters (deploy/template.yaml, DatabaseRuntimeRotation). */
    static final String EXCLUDE = "\"@/\\' `";

    private final SecretsManagerClient client;
    private final String arn;

    public SingleUserRotation(String endpoint, String arn) {
        this.client = SecretsManagerClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
        this.arn = arn;
    }

    /** The secret string of an RDS secret as the SecretTargetAttachment completes it. */
    public static String secret(String user, String password, int port) {
        return JSON.createObjectNode().put("engine", "mysql").put("host", "127.0.0.1").put("port", port)
                .put("username", user).put("password", password).put("dbname", TestMariaDb.DATABASE).toString();
    }

    public void createSecret(String token) throws Exception {
        ObjectNode current = get("AWSCURRENT", null);
        try {
            get("AWSPENDING", token);
        } catch (ResourceNotFoundException e) {
            current.put("password", client.getRandomPassword(b -> b.excludeCharacters(EXCLUDE)).randomPassword());
            client.putSecretValue(b -> b.secretId(arn).clientRequestToken(token).secretString(current.toString())
                    .versionStages("AWSPENDING"));
        }
    }

    public void setSecret(String token) throws Exception {
        ObjectNode pending = get("AWSPENDING", token);
        try (Connection done = connect(pending)) {
            if (done != null) {
                return;
            }
        }
        ObjectNode current = get("AWSCURRENT", null);
        if (!current.path("username").asText().equals(pending.path("username").asText())) {
            throw new IllegalStateException("Attempting to modify user " + pending.path("username") + " other than current user");
        }
        Connection login = connect(current);
        if (login == null) {
            login = previousLogin();
        }
        if (login == null) {
            throw new IllegalStateException("Unable to log into database with previous, current, or pending secret");
        }
        // the user sets its own password; MySQL 8 takes SET PASSWORD = '<password>', MariaDB wants PASSWORD('<password>')
        try (Connection own = login; PreparedStatement set = own.prepareStatement("SET PASSWORD = PASSWORD(?)")) {
            set.setString(1, pending.path("password").asText());
            set.execute();
        }
    }

    private Connection previousLogin() throws Exception {
        try {
            return connect(get("AWSPREVIOUS", null));
        } catch (ResourceNotFoundException e) {
            return null;
        }
    }

    public void testSecret(String token) throws Exception {
        try (Connection c = connect(get("AWSPENDING", token))) {
            if (c == null) {
                throw new IllegalStateException("Unable to log into database with pending secret");
            }
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT NOW()").close();
            }
        }
    }

    public void finishSecret(String token) {
        Map<String, List<String>> versions = client.describeSecret(b -> b.secretId(arn)).versionIdsToStages();
        String current = versions.entrySet().stream().filter(e -> e.getValue().contains("AWSCURRENT"))
                .map(Map.Entry::getKey).findFirst().orElse(null);
        if (token.equals(current)) {
            return;
        }
        client.updateSecretVersionStage(b -> b.secretId(arn).versionStage("AWSCURRENT").moveToVersionId(token)
                .removeFromVersionId(current));
    }

    private ObjectNode get(String stage, String version) throws Exception {
        String value = client.getSecretValue(b -> b.secretId(arn).versionStage(stage).versionId(version)).secretString();
        return (ObjectNode) JSON.readTree(value);
    }

    /** A login with the secret's credentials, or null when the database refuses it. */
    private static Connection connect(ObjectNode secret) {
        String url = "jdbc:mysql://" + secret.path("host").asText() + ":" + secret.path("port").asInt(3306) + "/"
                + secret.path("dbname").asText() + "?connectTimeout=2000";
        try {
            return DriverManager.getConnection(url, secret.path("username").asText(), secret.path("password").asText());
        } catch (SQLException e) {
            return null;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
