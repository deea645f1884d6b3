package io.presencebroker.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.presencebroker.local.EmbeddedServices;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The ceiling the service is measured against, in a process of its own: {@code threads} threads that each receive up
 * to 10 messages (long polling) and delete them with one DeleteMessageBatch, doing nothing else, until the queue is
 * empty. {@code BareDrain ENDPOINT QUEUE THREADS SKIP}: the first SKIP messages warm the JVM up unmeasured (0: a cold
 * drain, measured from the first receive). Prints {@code RESULT <messages> <seconds> <cpu seconds> <process cpu
 * seconds>} for the measured part (CPU of the whole process, JIT and GC included), seconds from the first measured
 * receive to the last delete; the last figure is all the CPU the process used, its start included.
 */
public final class BareDrain {

    private BareDrain() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        int threads = Integer.parseInt(args[2]);
        int skip = Integer.parseInt(args[3]);
        SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.of(EmbeddedServices.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        EmbeddedServices.ACCESS_KEY, EmbeddedServices.SECRET_KEY)))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(50, threads * 4))).build();
        String url = sqs.getQueueUrl(b -> b.queueName(args[1])).queueUrl();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicInteger deleted = new AtomicInteger();
        AtomicLong measureStart = new AtomicLong();
        AtomicLong cpuStart = new AtomicLong();
        AtomicLong lastDelete = new AtomicLong();
        AtomicInteger measured = new AtomicInteger();
        if (skip == 0) {
            measureStart.set(-1); // set by the first receive that returns messages
        }
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                while (true) {
                    List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                            .waitTimeSeconds(1)).messages();
                    if (batch.isEmpty()) {
                        return;
                    }
                    synchronized (measureStart) {
                        if (measureStart.get() == -1) {
                            measureStart.set(System.nanoTime());
                            cpuStart.set(os.getProcessCpuTime());
                        }
                    }
                    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int i = 0; i < batch.size(); i++) {
                        entries.add(DeleteMessageBatchRequestEntry.builder().id("d" + i)
                                .receiptHandle(batch.get(i).receiptHandle()).build());
                    }
                    sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(entries));
                    int total = deleted.addAndGet(batch.size());
                    synchronized (measureStart) {
                        if (measureStart.get() > 0) {
                            measured.addAndGet(batch.size());
                            lastDelete.set(System.nanoTime());
                        } else if (measureStart.get() == 0 && total >= skip) {
                            measureStart.set(-1); // the next receive starts the measured part
                        }
                    }
                }
            }, "drain-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long cpuEnd = os.getProcessCpuTime();
        System.out.printf("RESULT %d %.3f %.3f %.3f%n", measured.get(), (lastDelete.get() - measureStart.get()) / 1e9,
                (cpuEnd - cpuStart.get()) / 1e9, cpuEnd / 1e9);
        System.exit(0);
    }
}
