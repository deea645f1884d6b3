package io.presencebroker.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** A real SQS client on the embedded ElasticMQ: send, wait until drained, read the dead-letter queue. */
public final class TestQueues implements AutoCloseable {

    private final SqsClient sqs = TestServices.get().client();

    public String url(String queue) {
        return sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
    }

    /** Sends in batches of at most 10 messages and 256 KiB (SQS's limits for one SendMessageBatch). */
    public void send(String queue, List<String> bodies) {
        String url = url(queue);
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < bodies.size(); i++) {
            long size = bodies.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (entries.size() == 10 || (!entries.isEmpty() && bytes + size > 262_144)) {
                sendBatch(url, entries);
                entries = new ArrayList<>();
                bytes = 0;
            }
            entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(bodies.get(i)).build());
            bytes += size;
        }
        if (!entries.isEmpty()) {
            sendBatch(url, entries);
        }
    }

    private void sendBatch(String url, List<SendMessageBatchRequestEntry> entries) {
        var response = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries));
        if (!response.failed().isEmpty()) {
            throw new IllegalStateException("send failed: " + response.failed());
        }
    }

    public void send(String queue, String... bodies) {
        send(queue, List.of(bodies));
    }

    /** Visible and in-flight counts. */
    public long[] depth(String queue) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url(queue)).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return new long[] {Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
            Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))};
    }

    /** The consumer deletes a message only after committing it or dead-lettering it: empty means all handled. */
    public void awaitDrained(String queue, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            long[] d = depth(queue);
            return d[0] == 0 && d[1] == 0;
        });
    }

    public record DeadLetter(String body, Map<String, String> attributes) {
    }

    /** Takes every message off a queue (for dead-letter assertions). */
    public List<DeadLetter> drain(String queue) {
        String url = url(queue);
        List<DeadLetter> all = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                    .maxNumberOfMessages(10).waitTimeSeconds(0).messageAttributeNames("All").build()).messages();
            if (batch.isEmpty()) {
                return all;
            }
            for (Message m : batch) {
                all.add(new DeadLetter(m.body(), m.messageAttributes().entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> stringValue(e.getValue())))));
                sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(m.receiptHandle()).build());
            }
        }
    }

    public void purge(String queue) {
        sqs.purgeQueue(b -> b.queueUrl(url(queue)));
    }

    /** Deletes the queue (its messages too): a producer that sends to it fails until it is created again. */
    public void delete(String queue) {
        sqs.deleteQueue(b -> b.queueUrl(url(queue)));
    }

    private static String stringValue(MessageAttributeValue v) {
        return v.stringValue();
    }

    @Override
    public void close() {
        sqs.close();
    }
}
