package io.presencebroker.lifecycle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.config.RouteBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Reconciliation of the stored presence with AWS IoT's connectivity record (docs/reconciliation.md): the clients the
 * store holds connected, walked in primary key order {@code chunk} rows at a time, each asked of AWS IoT (within the
 * request budget: {@link IotConnectivity}); where the record proves a disconnect the store missed, the
 * disconnect is applied by the lifecycle flow's {@link PresenceWriter}, in the same conditional update, transaction,
 * history row (marked repaired) and announcement mark as an event's. Other disagreements are reported and counted
 * ({@code presence_reconcile_total}). One pass at a time across all instances (a MySQL named lock, checked before
 * each chunk: a pass that lost it stops), so the budget is the fleet's. A failed request is counted and the pass goes
 * on; {@value #MAX_CONSECUTIVE_FAILURES} in a row end it. Periodic (routes/presence-reconciliation.yaml) and on
 * demand ({@code reconcile [--dry-run] [--client ID]}).
 */
@RouteBean
public final class PresenceReconciliation {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceReconciliation.class);

    /** The named lock of a pass (GET_LOCK: MySQL 8 and MariaDB). */
    static final String LOCK = "presence-broker-reconcile";

    private static final String COLUMNS = "client_id, user_id, connected, version_number, event_ts, session_id";
    private static final String PAGE = "SELECT " + COLUMNS + " FROM client_presence"
            + " WHERE connected = TRUE AND client_id > ? ORDER BY client_id LIMIT ?";
    private static final String ONE = "SELECT " + COLUMNS + " FROM client_presence WHERE client_id = ?";

    /** Failed requests in a row that end a pass (AWS IoT, its permissions or the network are down, not one thing). */
    static final int MAX_CONSECUTIVE_FAILURES = 5;

    private final DataSource dataSource;
    private final PresenceWriter writer;
    private final Function<String, ReconcileVerdict.Record> record;
    private final int chunk;
    private final MeterRegistry meters;
    private final BooleanSupplier stopping;

    /**
     * @param record   AWS IoT's record of a client ({@link IotConnectivity#record}, within the request budget)
     * @param chunk    presence.reconcile.chunk: connected rows read per query, their repairs one transaction
     * @param stopping true once the service stops: the pass ends after the client it is on
     */
    public PresenceReconciliation(DataSource dataSource, PresenceWriter writer,
                                  Function<String, ReconcileVerdict.Record> record, int chunk,
                                  MeterRegistry meters, BooleanSupplier stopping) {
        if (chunk < 1) {
            throw new IllegalStateException("PRESENCE_RECONCILE_CHUNK must be at least 1, not " + chunk);
        }
        this.dataSource = dataSource;
        this.writer = writer;
        this.record = record;
        this.chunk = chunk;
        this.meters = meters;
        this.stopping = stopping;
        for (ReconcileVerdict.Outcome o : ReconcileVerdict.Outcome.values()) {
            meters.counter("presence_reconcile", "outcome", o.label());
        }
    }

    /** What a pass found: the clients per outcome, the requests sent to AWS IoT, and whether it ran at all. */
    public record Report(boolean ran, Map<ReconcileVerdict.Outcome, Integer> outcomes, int requests, long millis) {

        public int count(ReconcileVerdict.Outcome outcome) {
            return outcomes.getOrDefault(outcome, 0);
        }

        public String summary() {
            if (!ran) {
                return "another instance is reconciling; nothing done";
            }
            StringBuilder s = new StringBuilder();
            for (ReconcileVerdict.Outcome o : ReconcileVerdict.Outcome.values()) {
                s.append(o.label()).append('=').append(count(o)).append(' ');
            }
            return s.append("requests=").append(requests).append(" in ").append(millis).append(" ms").toString();
        }
    }

    /** Route step of the reconciliation scheduler: one pass; returns how many clients it repaired. */
    public int repairStale() throws SQLException {
        Report report = run(false, null, line -> LOG.info("{}", line));
        if (report.ran()) {
            LOG.info("Reconciliation pass: {}", report.summary());
        }
        return report.count(ReconcileVerdict.Outcome.REPAIRED);
    }

    /**
     * One pass: every client stored connected, or only {@code clientId} (whatever its state). With {@code dryRun}
     * nothing changes; the repairs it would make are printed. Each disagreement is one line to {@code out}. The pages
     * are read on the connection that holds the lock.
     */
    public Report run(boolean dryRun, String clientId, Consumer<String> out) throws SQLException {
        long start = System.nanoTime();
        Connection lock = dataSource.getConnection();
        boolean held = false;
        try {
            held = namedLock(lock, "SELECT GET_LOCK(?, 0)");
            if (!held) {
                return new Report(false, Map.of(), 0, 0);
            }
            Pass pass = new Pass(dryRun, out);
            String after = "";
            while (!stopping.getAsBoolean()) {
                if (!namedLock(lock, "SELECT IS_USED_LOCK(?) = CONNECTION_ID()")) {
                    LOG.warn("The reconciliation lost its lock (its database session ended): the pass stops");
                    break;
                }
                List<ReconcileVerdict.Stored> rows = clientId != null ? read(lock, ONE, clientId)
                        : read(lock, PAGE, after, chunk);
                pass.chunk(rows);
                if (clientId != null || rows.size() < chunk) {
                    break;
                }
                after = rows.get(rows.size() - 1).clientId();
            }
            return new Report(true, pass.outcomes, pass.requests, (System.nanoTime() - start) / 1_000_000);
        } finally {
            release(lock, held);
        }
    }

    /** What one pass has found so far, and the handling of each client. */
    private final class Pass {
        final boolean dryRun;
        final Consumer<String> out;
        final Map<ReconcileVerdict.Outcome, Integer> outcomes = new EnumMap<>(ReconcileVerdict.Outcome.class);
        int requests;
        int failuresInARow;

        Pass(boolean dryRun, Consumer<String> out) {
            this.dryRun = dryRun;
            this.out = out;
        }

        /** The clients of a chunk, then its repairs in one transaction (also, before a failure ends the pass). */
        void chunk(List<ReconcileVerdict.Stored> rows) throws SQLException {
            List<ReconcileVerdict> repairs = new ArrayList<>();
            try {
                for (ReconcileVerdict.Stored stored : rows) {
                    ReconcileVerdict verdict = stopping.getAsBoolean() ? null : verdict(stored);
                    if (verdict == null) {
                        break;
                    }
                    if (verdict.outcome() == ReconcileVerdict.Outcome.REPAIRED) {
                        repairs.add(verdict);
                    } else {
                        tally(verdict.outcome());
                        if (verdict.outcome() != ReconcileVerdict.Outcome.AGREES) {
                            out.accept(stored.clientId() + ": " + verdict.outcome().label() + ": " + verdict.detail());
                        }
                    }
                }
            } catch (RuntimeException e) {
                // what the chunk proved before the failure is applied all the same; the failure stays the error
                try {
                    repair(repairs);
                } catch (RuntimeException | SQLException also) {
                    e.addSuppressed(also);
                }
                throw e;
            }
            repair(repairs);
        }

        /** The verdict on one client; null when the service began stopping during its request. */
        ReconcileVerdict verdict(ReconcileVerdict.Stored stored) {
            if (!ReconcileVerdict.askable(stored.clientId())) {
                return new ReconcileVerdict(ReconcileVerdict.Outcome.NOT_COVERED, null,
                        "not a thing name of AWS IoT, not asked");
            }
            requests++;
            try {
                ReconcileVerdict verdict = ReconcileVerdict.decide(stored, record.apply(stored.clientId()));
                failuresInARow = 0;
                return verdict;
            } catch (SdkException e) {
                if (stopping.getAsBoolean()) {
                    return null;
                }
                if (++failuresInARow >= MAX_CONSECUTIVE_FAILURES) {
                    tally(ReconcileVerdict.Outcome.FAILED);
                    throw new IllegalStateException("AWS IoT failed " + failuresInARow + " requests in a row; the pass"
                            + " stops: " + e.getMessage(), e);
                }
                return new ReconcileVerdict(ReconcileVerdict.Outcome.FAILED, null, e.getMessage());
            }
        }

        /** The repairs of a chunk, in one transaction; one that an event beat meanwhile changes nothing (store_newer). */
        void repair(List<ReconcileVerdict> repairs) throws SQLException {
            if (repairs.isEmpty()) {
                return;
            }
            boolean[] applied = new boolean[repairs.size()];
            if (dryRun) {
                java.util.Arrays.fill(applied, true);
            } else {
                applied = writer.apply(repairs.stream().<RowUpdate>map(ReconcileVerdict::repair).toList());
            }
            for (int i = 0; i < repairs.size(); i++) {
                ReconcileVerdict v = repairs.get(i);
                tally(applied[i] ? ReconcileVerdict.Outcome.REPAIRED : ReconcileVerdict.Outcome.STORE_NEWER);
                out.accept(v.repair().clientId() + ": " + (dryRun ? "would repair" : applied[i] ? "repaired"
                        : "store_newer (an event applied meanwhile)") + ": " + v.detail());
            }
        }

        void tally(ReconcileVerdict.Outcome outcome) {
            outcomes.merge(outcome, 1, Integer::sum);
            if (!dryRun) {
                meters.counter("presence_reconcile", "outcome", outcome.label()).increment();
            }
        }
    }

    /**
     * The lock released and the connection returned; a connection whose release failed is evicted from the pool, so no
     * pooled session keeps the lock and no later pass of any instance is skipped for it.
     */
    private void release(Connection lock, boolean held) throws SQLException {
        try {
            if (held) {
                namedLock(lock, "SELECT RELEASE_LOCK(?)");
            }
        } catch (SQLException e) {
            LOG.warn("Releasing the reconciliation lock failed; its connection is discarded: {}", e.getMessage());
            if (dataSource instanceof HikariDataSource pool) {
                pool.evictConnection(lock);
                return;
            }
        }
        lock.close();
    }

    private static List<ReconcileVerdict.Stored> read(Connection c, String sql, Object... parameters) throws SQLException {
        List<ReconcileVerdict.Stored> rows = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new ReconcileVerdict.Stored(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                            rs.getLong(4), rs.getLong(5), rs.getString(6)));
                }
            }
        }
        return rows;
    }

    private static boolean namedLock(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, LOCK);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }
}
