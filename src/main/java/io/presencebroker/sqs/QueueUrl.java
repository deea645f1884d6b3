package io.presencebroker.sqs;

import software.amazon.awssdk.services.sqs.SqsClient;

/** The URL of a queue known by name, looked up (GetQueueUrl) on first use and kept. */
public final class QueueUrl {

    private final SqsClient sqs;
    private final String queue;
    private volatile String url;

    public QueueUrl(SqsClient sqs, String queue) {
        this.sqs = sqs;
        this.queue = queue;
    }

    public String get() {
        String known = url;
        if (known == null) {
            known = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            url = known;
        }
        return known;
    }
}
