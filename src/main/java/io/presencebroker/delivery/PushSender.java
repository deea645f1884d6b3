package io.presencebroker.delivery;

import java.sql.SQLException;
import java.util.List;

import io.presencebroker.sqs.QueueMessages;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The delivery route's push step (body: the {@link Delivery}): one push request per recipient that gets no socket
 * delivery (decided, or after a failed publish) to the push queue, in SQS batches of 10. Each batch is recorded in
 * the delivery log once SQS took all of it; a batch SQS refused in part fails the step (transient: retried, then the
 * message comes back), and a retry sends only the batches not yet sent.
 */
public class PushSender {

    static final int SQS_BATCH = 10;

    private final DeliveryLog log;
    private final DeliveryMessages messages;
    private final QueueMessages queue;

    public PushSender(SqsClient sqs, String queue, DeliveryLog log, DeliveryMessages messages) {
        this.log = log;
        this.messages = messages;
        this.queue = new QueueMessages(sqs, queue);
    }

    public void send(Delivery delivery) throws SQLException {
        List<List<Delivery.PushRequest>> batches = delivery.pushBatches(SQS_BATCH);
        for (int b = delivery.pushBatchesRecorded(); b < batches.size(); b++) {
            List<Delivery.PushRequest> batch = batches.get(b);
            if (b >= delivery.pushBatchesSent()) {
                sendBatch(delivery, batch);
                delivery.pushBatchSent();
            }
            // a failure here (the database) retries this step: the batch is not sent again, the record is
            log.deliveredPushes(delivery, batch);
            delivery.pushBatchRecorded();
            messages.countPushes(batch);
        }
        log.delivered(delivery, delivery.nothing(), Delivery.NONE);
    }

    private void sendBatch(Delivery delivery, List<Delivery.PushRequest> batch) {
        // a batch SQS refused in part fails the step: the entries it did take are sent again by the retry, so a push
        // request may arrive twice, never not at all
        queue.send(batch.stream().map(p -> messages.pushRequest(delivery.getMessage(), p.recipient())).toList());
    }
}
