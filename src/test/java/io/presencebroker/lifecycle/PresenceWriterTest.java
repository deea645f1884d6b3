package io.presencebroker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The writer's round trips on the real MariaDB, counted at the JDBC calls that reach the server: one text per poll
 * (begin, placeholders, one conditional UPDATE per row change, commit), two with announcements on (the marks go with
 * the commit); no autocommit toggles; and what each row change did (new, applied, stale), as the counts tell it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceWriterTest {

    HikariDataSource pool;
    final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeAll
    void startPool() {
        pool = TestServices.pool(2);
    }

    @AfterAll
    void closePool() {
        pool.close();
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
        calls.clear();
    }

    @Test
    void aPollOfNewAndKnownRowsIsOneRoundTripWithoutAutocommitToggles() throws Exception {
        PresenceWriter writer = new PresenceWriter(counting(pool), 3_600_000L, PresenceChangeMarks.disabled());
        long t = 1_700_000_000_000L;
        writer.apply(List.of(presence("w-1", true, 1, t)));
        calls.clear();

        boolean[] applied = writer.apply(List.of(
                presence("w-1", false, 1, t + 1),                       // known row, newer: applied
                presence("w-1", true, 1, t),                            // the same row, older: stale
                presence("w-2", true, 3, t),                            // new row: applied
                new RowUpdate.Subscription("w-2", "c1", "app/w-2/chat/c1", true, t, "s"),
                new RowUpdate.Subscription("w-2", "c1", "app/w-2/chat/c1", true, t, "s")));  // a duplicate: stale

        assertThat(applied).containsExactly(true, false, true, true, false);
        assertThat(calls).containsExactly("execute");
        assertThat(SocketStatusRow.readAll()).extracting(SocketStatusRow::clientId).containsExactly("w-1", "w-2");
    }

    @Test
    void withAnnouncementsTheMarksGoWithTheCommitInASecondRoundTrip() throws Exception {
        PresenceWriter writer = new PresenceWriter(counting(pool), 3_600_000L, new PresenceChangeMarks(true));
        long t = 1_700_000_000_000L;

        writer.apply(List.of(presence("a-1", true, 1, t), presence("a-2", true, 1, t)));

        assertThat(calls).containsExactly("execute", "execute");
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT COUNT(*) FROM presence_announcement WHERE marked_at IS NOT NULL");
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void aFailurePartWayRollsTheWholePollBack() throws Exception {
        PresenceWriter writer = new PresenceWriter(pool, 3_600_000L, PresenceChangeMarks.disabled());
        long t = 1_700_000_000_000L;
        // the second row's session does not fit its column: the first row's change must not stay either
        assertThatThrownBy(() -> writer.apply(List.of(presence("r-1", true, 1, t),
                new RowUpdate.Presence("r-2", "r-2", true, 1, t, "s".repeat(200), null))))
                .isInstanceOf(SQLException.class);
        assertThat(SocketStatusRow.readAll()).isEmpty();
        // and the connection went back to the pool in a clean state: the next poll commits
        writer.apply(List.of(presence("r-1", true, 1, t)));
        assertThat(SocketStatusRow.readAll()).hasSize(1);
    }

    private static RowUpdate.Presence presence(String client, boolean connected, long version, long ts) {
        return new RowUpdate.Presence(client, client, connected, version, ts, "s", connected ? null : "CLIENT_INITIATED_DISCONNECT");
    }

    /** The pool, with every call that sends something to the server (or toggles autocommit) recorded by name. */
    private DataSource counting(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    return method.getName().equals("getConnection") ? connection((Connection) result) : result;
                });
    }

    private Connection connection(Connection c) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (List.of("commit", "rollback", "setAutoCommit").contains(method.getName())) {
                        calls.add(method.getName());
                    }
                    Object result = invoke(c, method, args);
                    if (result instanceof PreparedStatement ps) {
                        return statement(ps, PreparedStatement.class);
                    }
                    return result instanceof Statement s ? statement(s, Statement.class) : result;
                });
    }

    private <T extends Statement> T statement(T s, Class<T> type) {
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("execute")) {
                        calls.add(method.getName());
                    }
                    return invoke(s, method, args);
                }));
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
