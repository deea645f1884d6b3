package io.presencebroker;

import io.presencebroker.sqs.SqsRequestMetrics;
import java.time.Duration;

import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** When the dead-letter queue cannot be reached, the original message is not deleted: nothing is lost. */
class DeadLetterSendFailureTest {

    static final String QUEUE = "dlq-failure-events";
    static final String DLQ = "dlq-failure-events-dlq";

    @Test
    void failedDeadLetterSendKeepsTheOriginalUntilItSucceeds() throws Exception {
        var settings = TestServices.settings(QUEUE, DLQ, 2);
        try (PresenceBroker broker = new PresenceBroker(settings).start();
             TestQueues queues = new TestQueues();
             SqsClient sqs = TestServices.get().client()) {
            SqsRequestMetrics metrics = broker.context().getRegistry()
                    .lookupByNameAndType("sqsRequestMetrics", SqsRequestMetrics.class);
            String dlqUrl = queues.url(DLQ);
            sqs.deleteQueue(b -> b.queueUrl(dlqUrl));
            // the dead-letter send fails at its GetQueueUrl (the queue is gone) or at its SendMessage
            double failedSendsBefore = metrics.count("SendMessage", "error") + metrics.count("GetQueueUrl", "error");

            queues.send(QUEUE, "this is not an event");

            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> metrics.count("SendMessage", "error") + metrics.count("GetQueueUrl", "error")
                            > failedSendsBefore);
            long[] depth = queues.depth(QUEUE);
            assertThat(depth[0] + depth[1]).as("original still on the queue").isEqualTo(1);

            sqs.createQueue(b -> b.queueName(DLQ));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> queues.depth(DLQ)[0] == 1);
            queues.awaitDrained(QUEUE, Duration.ofSeconds(30));
            TestQueues.DeadLetter letter = queues.drain(DLQ).get(0);
            assertThat(letter.body()).isEqualTo("this is not an event");
            assertThat(Integer.parseInt(letter.attributes().get("receiveCount"))).as("delivered again after the failure")
                    .isGreaterThanOrEqualTo(2);
        }
    }
}
