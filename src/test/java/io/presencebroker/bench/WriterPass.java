package io.presencebroker.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.lifecycle.PresenceWriter;
import io.presencebroker.lifecycle.RowUpdate;
import io.presencebroker.testing.TestServices;

/**
 * The database writer's own limit, for the capacity plan: the service's batches ({@link PresenceWriter#apply}: one
 * transaction of 10 conditional updates, as one poll) from 4, 16 and 64 threads against the durable MariaDB, no SQS
 * and no Camel in the way. Each thread connects a storm's worth of new clients and then disconnects them (the insert
 * path, then the update path), so every row is written twice. Rows changed per second, with its best thread count.
 */
final class WriterPass {

    private final Benchmark bench;

    WriterPass(Benchmark bench) {
        this.bench = bench;
    }

    void run(int rowsPerThread) throws Exception {
        // the service's writer as it runs by default (each transition also a history row, with the commit), and without
        for (boolean history : new boolean[] {true, false}) {
            run(rowsPerThread, history);
        }
    }

    private void run(int rowsPerThread, boolean history) throws Exception {
        StringBuilder line = new StringBuilder("Database writer alone (the service's batches of 10 updates per transaction,"
                + " durable MariaDB on this machine, every row inserted then updated, history "
                + (history ? "on" : "off") + "):");
        try (HikariDataSource pool = TestServices.pool(70)) {
            PresenceWriter store = new PresenceWriter(pool, 3_600_000L,
                    io.presencebroker.store.PresenceChangeMarks.disabled(), history);
            for (int threads : new int[] {4, 16, 64}) {
                TestServices.clearDatabase();
                AtomicLong changed = new AtomicLong();
                List<Benchmark.Callable> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String prefix = "w" + threads + "-" + t + "-";
                    tasks.add(() -> {
                        long now = System.currentTimeMillis();
                        for (boolean connected : new boolean[] {true, false}) {
                            for (int i = 0; i < rowsPerThread; i += 10) {
                                List<RowUpdate> batch = new ArrayList<>(10);
                                for (int k = i; k < i + 10; k++) {
                                    batch.add(new RowUpdate.Presence(prefix + k, prefix + k, connected, connected ? 1 : 2,
                                            now + (connected ? 0 : 1000), "s", connected ? null : "CLIENT_INITIATED_DISCONNECT"));
                                }
                                for (boolean applied : store.apply(batch)) {
                                    if (applied) {
                                        changed.incrementAndGet();
                                    }
                                }
                            }
                        }
                    });
                }
                long t0 = System.nanoTime();
                Benchmark.runAll(tasks);
                double seconds = (System.nanoTime() - t0) / 1e9;
                long expected = 2L * threads * rowsPerThread;
                line.append(" %d threads %.0f rows/s%s;".formatted(threads, changed.get() / seconds,
                        changed.get() == expected ? "" : " (MISMATCH: " + changed.get() + " of " + expected + ")"));
                if (history) {
                    bench.writerRowsPerSecond = Math.max(bench.writerRowsPerSecond, changed.get() / seconds);
                }
            }
        }
        bench.notes.add(line.substring(0, line.length() - 1) + ".");
        System.out.println(bench.notes.get(bench.notes.size() - 1));
    }
}
