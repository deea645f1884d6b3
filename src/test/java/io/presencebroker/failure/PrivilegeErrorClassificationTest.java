package io.presencebroker.failure;

import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A missing grant is the environment's fault: Connector/J reports "command denied" (1142) as a syntax error, which
 * would otherwise dead-letter every event while the runtime user lacks a privilege.
 */
class PrivilegeErrorClassificationTest {

    @Test
    void aMissingPrivilegeIsTransient() {
        for (int code : new int[] {1044, 1142, 1143, 1227}) {
            SQLException denied = new SQLSyntaxErrorException("command denied to user 'presence_app'", "42000", code);
            assertThat((FailureClassifier.classify(new IllegalStateException("batch failed", denied)) == FailureClassifier.Kind.MESSAGE)).as("%d", code).isFalse();
        }
    }

    @Test
    void anUnknownColumnIsTheEnvironmentsAndAValueTooLongTheMessages() {
        // an unknown column during a rolling migration is the environment's (issue: never dead-letter a stream)
        assertThat((FailureClassifier.classify(new SQLSyntaxErrorException("Unknown column", "42S22", 1054)) == FailureClassifier.Kind.MESSAGE)).isFalse();
        assertThat((FailureClassifier.classify(new SQLException("Data too long", "22001", 1406)) == FailureClassifier.Kind.MESSAGE)).isTrue();
    }
}
