package io.presencebroker.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The announcements pass of {@link Benchmark}: the lifecycle throughput of the service (warm, its own JVM, durable
 * MariaDB) with presence announcements off, on, and off again (every client its own user, so every presence change
 * is a transition to track: the most work announcements can add), each final state checked; then the announcement
 * latency at a fixed offered load of connects of new users (online is announced at once, so the debounce is not in
 * it): from the event's timestamp, and from the commit of the transition, to the announcement taken off its queue.
 */
final class AnnouncementsPass {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Connects of new users per second in the latency part: well within what one service with announcements on takes
     * on this 2-core host (about 550 events/s), so that the latency is the flow's, not a backlog's.
     */
    private static final int RATE = 250;
    private final Benchmark bench;

    AnnouncementsPass(Benchmark bench) {
        this.bench = bench;
    }

    /**
     * Off and on in turn, {@code rounds} times, ending with off (off, on, off, on, off for 2): each on against the mean
     * of the offs either side of it, so that a drift of the shared host over the pass (ElasticMQ and MariaDB warming
     * up, another tenant) weighs on both sides alike; the median of those ratios is the figure.
     */
    void run(List<String> deliveries, ReferenceModel model, int rounds) throws Exception {
        String announcements = bench.newQueue("bench-announcements");
        List<Benchmark.Result> offs = new ArrayList<>();
        List<Benchmark.Result> ons = new ArrayList<>();
        // ElasticMQ and MariaDB get faster over their first runs of a code path, so the host is warmed up once with
        // announcements on, and the paths of both modes are warm before the first measured run. Without it the first
        // run with announcements on was the slowest of its pass every time (0.77 against 0.96 for the second in one
        // pass, with more CPU per event in ElasticMQ, MariaDB and the service alike). The service itself is a new JVM
        // in each run, warmed up alike.
        announcing(announcements, () -> bench.serviceWarm("service, warm, announcements on (warm-up of the host, not"
                + " counted)", deliveries, model, 1, bench.sqsEndpoint, false));
        bench.queues.purge(announcements);
        offs.add(off(deliveries, model, 1));
        long announced = 0;
        for (int r = 1; r <= rounds; r++) {
            String name = "service, warm, announcements on (" + r + ")";
            ons.add(announcing(announcements, () -> bench.serviceWarm(name, deliveries, model, 1, bench.sqsEndpoint,
                    false)));
            announced = bench.queues.depth(announcements)[0];
            bench.queues.purge(announcements);
            offs.add(off(deliveries, model, r + 1));
        }
        List<Double> ratios = new ArrayList<>();
        StringBuilder each = new StringBuilder();
        for (int r = 0; r < ons.size(); r++) {
            Benchmark.Result on = ons.get(r);
            List<Benchmark.Result> around = offs.subList(r, r + 2);
            double offRate = mean(around, Benchmark.Result::rate);
            double offHost = mean(around, Benchmark.Result::hostCpuPer1000);
            double offCpu = mean(around, Benchmark.Result::cpuPer1000);
            ratios.add(on.rate() / offRate);
            each.append(("%s on %.0f vs off %.0f and %.0f events/s = %.2f, CPU per 1,000 events %.3f vs %.3f s (the whole"
                    + " host %.3f vs %.3f s)").formatted(each.length() == 0 ? "" : ";", on.rate(), offs.get(r).rate(),
                    offs.get(r + 1).rate(), on.rate() / offRate, on.cpuPer1000(), offCpu, on.hostCpuPer1000(), offHost));
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        String line = ("announcements: on/off lifecycle throughput **%.2f** (median of %d rounds:%s); %d announcements on"
                + " the queue after the last measured run; CPU per 1,000 events, mean of the runs, on vs off: database"
                + " %.3f vs %.3f s, ElasticMQ %.3f vs %.3f s").formatted(median, ratios.size(), each, announced,
                mean(ons, Benchmark.Result::dbCpuPer1000), mean(offs, Benchmark.Result::dbCpuPer1000),
                mean(ons, Benchmark.Result::sqsCpuPer1000), mean(offs, Benchmark.Result::sqsCpuPer1000));
        bench.ratios.add(line);
        System.out.println(line);
        latency(announcements);
    }

    private static double mean(List<Benchmark.Result> runs, java.util.function.ToDoubleFunction<Benchmark.Result> f) {
        return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** What {@code work} starts, it starts with announcements on, to this queue. */
    private <T> T announcing(String announcements, java.util.concurrent.Callable<T> work) throws Exception {
        bench.extraSettings.put("presence.announcements.enabled", "true");
        bench.extraSettings.put("presence.announcements.queue", announcements);
        try {
            return work.call();
        } finally {
            bench.extraSettings.clear();
        }
    }

    private Benchmark.Result off(List<String> deliveries, ReferenceModel model, int n) throws Exception {
        return bench.serviceWarm("service, warm, announcements off (" + n + ")", deliveries, model, 1, bench.sqsEndpoint,
                false);
    }

    /** Connects of new users at the offered rate for the latency seconds; every online announcement timed. */
    private void latency(String announcements) throws Exception {
        String events = bench.newQueue("bench-announce-events");
        bench.queues.purge(announcements);
        List<ServiceProcess> service = announcing(announcements,
                () -> bench.startServices(events, 1, bench.sqsEndpoint));
        Map<String, Long> received = new ConcurrentHashMap<>();
        AtomicBoolean receiving = new AtomicBoolean(true);
        String announcementsUrl = bench.queues.url(announcements);
        List<Thread> receivers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread t = new Thread(() -> {
                while (receiving.get()) {
                    // hidden for longer than the pass instead of deleted: nothing to delete, the queue is purged after
                    List<Message> batch = bench.sqs.receiveMessage(b -> b.queueUrl(announcementsUrl)
                            .maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout(3600)).messages();
                    long now = System.currentTimeMillis();
                    for (Message m : batch) {
                        try {
                            received.putIfAbsent(JSON.readTree(m.body()).get("userId").asText() + "@"
                                    + JSON.readTree(m.body()).get("at").asLong(), now);
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }, "announcement-receiver-" + r);
            t.start();
            receivers.add(t);
        }
        try {
            // warm-up at the same rate, unmeasured: the service of a running system, not a cold one
            String eventsUrl = bench.queues.url(events);
            int warmup = offer(eventsUrl, "alat-w", RATE * 15);
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> received.size() >= warmup);
            long start = System.nanoTime();
            int total = offer(eventsUrl, "alat-", RATE * Math.min(bench.latencySeconds, 30));
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            int expected = warmup + total;
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .until(() -> received.size() >= expected);
            List<Long> fromEvent = new ArrayList<>();
            List<Long> fromCommit = new ArrayList<>();
            try (Connection c = TestServices.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT user_id, announced_at_ms, changed_ms FROM (SELECT a.user_id,"
                         + " p.last_seen_at AS announced_at_ms, ROUND(UNIX_TIMESTAMP(a.changed_at) * 1000) AS changed_ms"
                         + " FROM presence_announcement a JOIN user_presence p ON p.user_id = a.user_id"
                         + " WHERE a.user_id LIKE 'alat-%' AND a.user_id NOT LIKE 'alat-w%') x")) {
                while (rs.next()) {
                    Long at = received.get(rs.getString(1) + "@" + rs.getLong(2));
                    if (at != null) {
                        fromEvent.add(at - rs.getLong(2));
                        fromCommit.add(at - rs.getLong(3));
                    }
                }
            }
            long[] e = fromEvent.stream().mapToLong(Long::longValue).sorted().toArray();
            long[] c = fromCommit.stream().mapToLong(Long::longValue).sorted().toArray();
            String line = ("Announcement latency at %d connects/s of new users offered for %.0f s (%d online announcements,"
                    + " each received once; no debounce for online): event timestamp to announcement received p50 %d ms,"
                    + " p99 %d ms, max %d ms; commit of the transition to announcement received p50 %d ms, p99 %d ms,"
                    + " max %d ms (poll interval 100 ms, the default).")
                    .formatted(RATE, sendSeconds, e.length, pct(e, 50), pct(e, 99), e[e.length - 1], pct(c, 50),
                            pct(c, 99), c[c.length - 1]);
            bench.notes.add(line);
            System.out.println(line);
        } finally {
            receiving.set(false);
            for (Thread t : receivers) {
                t.join(5000);
            }
            Benchmark.stop(service);
            bench.queues.purge(announcements);
        }
    }

    /** Connects of new users {@code prefix + n}, stamped now, at {@link #RATE} per second; returns how many. */
    private int offer(String url, String prefix, int total) {
        bench.offer(url, total, RATE, n -> EventJson.connected(prefix + n, System.currentTimeMillis(), "s", 1));
        return total;
    }

    private static long pct(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }
}
