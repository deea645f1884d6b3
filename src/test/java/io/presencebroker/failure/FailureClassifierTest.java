package io.presencebroker.failure;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.presencebroker.failure.InvalidEventException;
import io.presencebroker.failure.FailureClassifier.Kind;
import io.presencebroker.testing.TestServices;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.exception.SdkClientException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Whose fault a failure is. The database errors are the real ones, from statements run on the test MariaDB server;
 * the privilege and read-only codes, which need another user or a replica to provoke, are checked by their codes.
 */
class FailureClassifierTest {

    static Connection db;

    @BeforeAll
    static void table() throws Exception {
        db = TestServices.connection();
        try (Statement st = db.createStatement()) {
            st.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
            st.execute("CREATE TABLE IF NOT EXISTS classifier_probe (id INT NOT NULL, name VARCHAR(4) NOT NULL, n TINYINT NOT NULL)");
        }
    }

    @AfterAll
    static void drop() throws Exception {
        try (Statement st = db.createStatement()) {
            st.execute("DROP TABLE classifier_probe");
        }
        db.close();
    }

    static SQLException errorOf(String sql) {
        return catchThrowableOfType(SQLException.class, () -> {
            try (Statement st = db.createStatement()) {
                st.execute(sql);
            }
        });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "1048 | INSERT INTO classifier_probe VALUES (1, NULL, 1)",
        "1406 | INSERT INTO classifier_probe VALUES (1, 'too long', 1)",
        "1264 | INSERT INTO classifier_probe VALUES (1, 'ok', 1000)",
        "1366 | INSERT INTO classifier_probe VALUES ('x', 'ok', 1)",
    })
    void aValueTheSchemaCannotHoldIsTheMessagesFault(int code, String sql) {
        SQLException e = errorOf(sql);
        assertThat(e.getErrorCode()).isEqualTo(code);
        assertThat(FailureClassifier.classify(new RuntimeCamelException(e))).isEqualTo(Kind.MESSAGE);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "1146 | UPDATE classifier_probe_renamed SET n = 1",
        "1054 | UPDATE classifier_probe SET not_yet_migrated = 1",
        "1064 | UPDATE classifier_probe SET n = WHERE",
        "1049 | USE no_such_database",
    })
    void aSchemaMidMigrationOrABrokenStatementIsTheEnvironments(int code, String sql) {
        SQLException e = errorOf(sql);
        assertThat(e.getErrorCode()).isEqualTo(code);
        assertThat(FailureClassifier.classify(new RuntimeCamelException(e))).isEqualTo(Kind.ENVIRONMENT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "1142, 42000", // command denied on a table
        "1143, 42000", // command denied on a column
        "1044, 42000", // access denied to the database
        "1045, 28000", // access denied for the user (password rotated)
        "1290, HY000", // --read-only (old primary after a failover)
        "1836, HY000", // read-only mode
        "1792, 25006", // read-only transaction
        "1213, 40001", // deadlock
        "0, 08S01",    // communications link failure
    })
    void privilegesReadOnlyAndConnectionFaultsAreTheEnvironments(int code, String state) {
        assertThat(FailureClassifier.classify(new SQLException("x", state, code))).isEqualTo(Kind.ENVIRONMENT);
    }

    @Test
    void invalidInputIsTheMessagesFaultAndABugIsUnexpected() {
        assertThat(FailureClassifier.classify(new RuntimeCamelException(new InvalidEventException("clientId is missing"))))
                .isEqualTo(Kind.MESSAGE);
        assertThat(FailureClassifier.classify(new NullPointerException())).isEqualTo(Kind.UNEXPECTED);
        assertThat(FailureClassifier.classify(new IllegalStateException(new ClassCastException()))).isEqualTo(Kind.UNEXPECTED);
        assertThat(FailureClassifier.classify(SdkClientException.create("unable to reach SQS"))).isEqualTo(Kind.ENVIRONMENT);
    }

    @Test
    void aPoisonMessageIsOneReceivedOftenWhileOthersWereCommitted() {
        FailurePolicy policy = new FailurePolicy(3);
        long firstReceive = System.currentTimeMillis() - 1_000;
        Map<String, String> third = Map.of("ApproximateReceiveCount", "3",
                "ApproximateFirstReceiveTimestamp", String.valueOf(firstReceive));
        Map<String, String> second = Map.of("ApproximateReceiveCount", "2",
                "ApproximateFirstReceiveTimestamp", String.valueOf(firstReceive));

        assertThat(policy.isPoison(third)).as("nothing committed since: the environment, not the message").isFalse();
        policy.committed();
        assertThat(policy.isPoison(third)).isTrue();
        assertThat(policy.isPoison(second)).isFalse();
        assertThat(policy.isPoison(Map.of())).as("no SQS attributes (MQTT source)").isFalse();
    }
}
