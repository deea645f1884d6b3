package io.presencebroker.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.lifecycle.PresenceReconciliation;
import io.presencebroker.lifecycle.PresenceWriter;
import io.presencebroker.lifecycle.ReconcileVerdict;
import io.presencebroker.store.Pools;
import io.presencebroker.store.PresenceChangeMarks;
import io.presencebroker.testing.TcpProxy;
import io.presencebroker.testing.TestServices;

/**
 * The database cost of a reconciliation pass (docs/reconciliation.md), for the README: 100,000 stored clients, one in
 * ten connected (the ones a pass reads and asks about), one in twenty of those stale (AWS IoT says disconnected
 * later: repaired); AWS IoT's answers come from memory, so the pass's time is the database's. On the durable MariaDB,
 * directly and through a proxy delaying each way by 0.5 ms (another zone): pass time, statements, rows read.
 */
final class ReconcilePass {

    static final int STORED = 100_000;
    static final long T = 1_800_000_000_000L;

    private final Benchmark bench;

    ReconcilePass(Benchmark bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        for (long delayMicros : new long[] {0, 500}) {
            try (TcpProxy proxy = new TcpProxy(TestServices.get().dbPort(), Duration.ofNanos(delayMicros * 1000))) {
                run(delayMicros, proxy.port());
            }
        }
    }

    private void run(long delayMicros, int port) throws Exception {
        TestServices.clearDatabase();
        Map<String, ReconcileVerdict.Record> records = new HashMap<>();
        int connected = 0;
        int stale = 0;
        try (Connection c = TestServices.connection(); Statement st = c.createStatement()) {
            for (int from = 0; from < STORED; from += 1_000) {
                StringBuilder sql = new StringBuilder("INSERT INTO client_presence (client_id, user_id, connected,"
                        + " version_number, event_rank, event_ts, session_id) VALUES ");
                for (int i = from; i < from + 1_000; i++) {
                    boolean on = i % 10 == 0;
                    sql.append(i == from ? "" : ",").append("('r-").append(i).append("','u-").append(i / 3).append("',")
                            .append(on).append(",1,").append(on ? 0 : 1).append(",").append(T).append(",'s')");
                    if (on) {
                        connected++;
                        boolean gone = i % 200 == 0;
                        stale += gone ? 1 : 0;
                        records.put("r-" + i, new ReconcileVerdict.Record(true, !gone, T + 60_000,
                                gone ? "CONNECTION_LOST" : null, T + 120_000));
                    }
                }
                st.execute(sql.toString());
            }
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(TestServices.get().jdbcUrl(port));
        config.setUsername(TestServices.get().dbUser());
        config.setPassword(TestServices.get().dbPassword());
        config.setMaximumPoolSize(3);
        Pools.statementSettings(config);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            PresenceReconciliation pass = new PresenceReconciliation(pool,
                    new PresenceWriter(pool, 1_800_000, new PresenceChangeMarks(true), true), records::get, 500,
                    new SimpleMeterRegistry(), () -> false);
            Map<String, Long> before = status();
            long t0 = System.nanoTime();
            PresenceReconciliation.Report report = pass.run(false, null, line -> { });
            double ms = (System.nanoTime() - t0) / 1e6;
            Map<String, Long> after = status();
            long statements = after.get("questions") - before.get("questions") - 1; // less the first SHOW STATUS
            String rowsKey = after.containsKey("innodb_rows_read") ? "innodb_rows_read" : "handler_read_next";
            long rowsRead = after.get(rowsKey) - before.get(rowsKey);
            String line = ("Reconciliation pass, database cost (%d stored clients, %d connected and asked, %d stale;"
                    + " AWS IoT answered from memory; durable MariaDB%s): %.0f ms, %.2f ms per 1,000 clients asked;"
                    + " %d statements; %d rows read (%s); %d repaired%s.").formatted(STORED, connected, stale,
                    delayMicros == 0 ? " on this machine" : ", 0.5 ms away each way", ms, ms / connected * 1000,
                    statements, rowsRead, rowsKey, report.count(ReconcileVerdict.Outcome.REPAIRED),
                    report.count(ReconcileVerdict.Outcome.REPAIRED) == stale ? "" : " (MISMATCH: " + stale + " stale)");
            bench.notes.add(line);
            System.out.println(line);
        }
        TestServices.clearDatabase();
    }

    private static Map<String, Long> status() throws SQLException {
        Map<String, Long> values = new HashMap<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS")) {
            while (rs.next()) {
                try {
                    values.put(rs.getString(1).toLowerCase(java.util.Locale.ROOT), Long.parseLong(rs.getString(2)));
                } catch (NumberFormatException notACount) {
                    // a text status
                }
            }
        }
        return values;
    }
}
