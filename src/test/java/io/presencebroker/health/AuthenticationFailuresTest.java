package io.presencebroker.health;

import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The streak of refused connection attempts: what starts it, what ends it, what leaves it alone. */
class AuthenticationFailuresTest {

    final AtomicLong clock = new AtomicLong();
    final AuthenticationFailures failures = new AuthenticationFailures(clock::get);

    /** What HikariCP throws when no connection could be made in time: the last connection failure as cause and next. */
    static SQLException poolTimeout(SQLException lastConnectionFailure) {
        // as HikariCP 6 does: the timeout carries the SQL state and vendor code of the last connection failure
        SQLException e = new SQLTransientConnectionException("presence-db - Connection is not available, request timed"
                + " out after 500ms", lastConnectionFailure.getSQLState(), lastConnectionFailure.getErrorCode(),
                lastConnectionFailure);
        e.setNextException(lastConnectionFailure);
        return e;
    }

    static SQLException accessDenied() {
        return new SQLException("Access denied for user 'presence_app'@'127.0.0.1' (using password: YES)", "28000", 1045);
    }

    void advanceMillis(long ms) {
        clock.addAndGet(ms * 1_000_000);
    }

    @Test
    void refusalsStartTheStreakAndASuccessEndsIt() {
        assertThat(failures.failingForMillis()).isZero();
        failures.record(poolTimeout(accessDenied()));
        advanceMillis(4_000);
        failures.record(poolTimeout(accessDenied()));
        assertThat(failures.failingForMillis()).isEqualTo(4_000);
        assertThat(failures.failures()).isEqualTo(2);
        assertThat(failures.lastFailure()).contains("error 1045").contains("28000").contains("Access denied");
        failures.success();
        assertThat(failures.failingForMillis()).isZero();
        assertThat(failures.lastFailure()).isNull();
        // a new streak starts from its own first refusal
        advanceMillis(1_000);
        failures.record(accessDenied());
        advanceMillis(500);
        assertThat(failures.failingForMillis()).isEqualTo(500);
    }

    @Test
    void otherFailuresNeitherStartNorEndAStreak() {
        failures.record(poolTimeout(new SQLException("Communications link failure", "08S01", 0)));
        failures.record(new SQLTransientConnectionException("Connection is not available, request timed out"));
        assertThat(failures.failingForMillis()).isZero();
        assertThat(failures.millisSinceLastVerdict()).as("no verdict on the credentials yet").isEqualTo(Long.MAX_VALUE);

        failures.record(accessDenied());
        advanceMillis(3_000);
        failures.record(poolTimeout(new SQLException("Communications link failure", "08S01", 0)));
        assertThat(failures.failingForMillis()).isEqualTo(3_000);
        assertThat(failures.millisSinceLastVerdict()).isEqualTo(3_000);
    }

    @Test
    void recognisesTheAuthenticationErrors() {
        assertThat(isRefusal(poolTimeout(accessDenied()))).isTrue();
        assertThat(isRefusal(new SQLSyntaxErrorException(
                "Access denied for user 'presence_app'@'%' to database 'presence'", "42000", 1044))).isTrue();
        assertThat(isRefusal(new SQLException("Your password has expired", "HY000", 1862)))
                .isTrue();
        assertThat(isRefusal(new SQLException("x", "28000", 0))).isTrue();
        assertThat(isRefusal(new RuntimeException(accessDenied()))).isTrue();
        assertThat(isRefusal(new SQLException("Too many connections", "08004", 1040)))
                .isFalse();
        assertThat(isRefusal(new SQLException("Lock wait timeout", "HY000", 1205)))
                .isFalse();
        assertThat(isRefusal(null)).isFalse();
    }

    /** Whether {@link AuthenticationFailures#record} takes this failure for a refused login. */
    static boolean isRefusal(Throwable failure) {
        AuthenticationFailures fresh = new AuthenticationFailures();
        fresh.record(failure);
        return fresh.failures() > 0;
    }
}
