package io.presencebroker.store;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import com.zaxxer.hikari.SQLExceptionOverride.Override;
import io.presencebroker.failure.FailureClassifier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failures evict the connection from the pool, and that they stay transient (retried, never dead-lettered). */
class ReadOnlyEvictionTest {

    static final String MESSAGE = "The MariaDB server is running with the --read-only option so it cannot execute this statement";

    private final ReadOnlyEviction eviction = new ReadOnlyEviction();

    @Test
    void readOnlyErrorsEvictAndAreTransient() {
        for (int code : new int[] {1290, 1836, 1792}) {
            SQLException e = new SQLException(MESSAGE, code == 1792 ? "25006" : "HY000", code);
            assertThat(eviction.adjudicate(e)).as("code %d", code).isEqualTo(Override.MUST_EVICT);
            assertThat((FailureClassifier.classify(e) == FailureClassifier.Kind.MESSAGE)).as("code %d permanent", code).isFalse();
        }
    }

    @Test
    void aReadOnlyErrorWrappedInABatchFailureEvictsToo() {
        BatchUpdateException asCause = new BatchUpdateException("batch failed", "HY000", 0, new int[0],
                new SQLException(MESSAGE, "HY000", 1290));
        assertThat(eviction.adjudicate(asCause)).isEqualTo(Override.MUST_EVICT);
        SQLException asNext = new SQLException("batch failed", "HY000", 0);
        asNext.setNextException(new SQLException(MESSAGE, "HY000", 1836));
        assertThat(eviction.adjudicate(asNext)).isEqualTo(Override.MUST_EVICT);
        assertThat((FailureClassifier.classify(asCause) == FailureClassifier.Kind.MESSAGE)).isFalse();
    }

    @Test
    void otherFailuresAreLeftToHikari() {
        assertThat(eviction.adjudicate(new SQLException("Deadlock found", "40001", 1213))).isEqualTo(Override.CONTINUE_EVICT);
        assertThat(eviction.adjudicate(new SQLException("Data too long", "22001", 1406))).isEqualTo(Override.CONTINUE_EVICT);
        assertThat(eviction.adjudicate(new SQLTransientConnectionException("timeout"))).isEqualTo(Override.CONTINUE_EVICT);
        // the wrapper's "failed over, reconnected": kept with the wrapper, Hikari's own verdict without it
        SQLException failedOver = new SQLException("failover succeeded", "08S02");
        assertThat(new ReadOnlyEviction(true).adjudicate(failedOver)).isEqualTo(Override.DO_NOT_EVICT);
        assertThat(eviction.adjudicate(failedOver)).isEqualTo(Override.CONTINUE_EVICT);
    }

    @Test
    void urlsForTheDrivers() {
        assertThat(DatabaseDriver.url("mysql", "jdbc:mysql://h:3306/presence")).isEqualTo("jdbc:mysql://h:3306/presence");
        assertThat(DatabaseDriver.url("aws-wrapper", "jdbc:mysql://h:3306/presence"))
                .isEqualTo("jdbc:aws-wrapper:mysql://h:3306/presence");
        assertThat(DatabaseDriver.url("aws-wrapper", "jdbc:aws-wrapper:mysql://h/p")).isEqualTo("jdbc:aws-wrapper:mysql://h/p");
    }
}
