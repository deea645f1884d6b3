package io.presencebroker.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one way the service sends to SQS, against ElasticMQ: a send of many bodies goes in SendMessageBatch calls of 10
 * (in flight together), and what SQS did not take is named by its position, the rest delivered. (A body SQS cannot
 * hold makes it refuse the whole call it is in, as the real SQS does: InvalidMessageContents.)
 */
class QueueMessagesTest {

    static final String QUEUE = "queue-messages-test";

    @Test
    void twentyFiveBodiesAreSentInBatchesOfTenAndARefusedCallIsNamedByItsPositions() {
        TestServices.get().createQueues(QUEUE, QUEUE + "-dlq");
        try (TestQueues queues = new TestQueues()) {
            QueueMessages queue = new QueueMessages(TestServices.get().client(), QUEUE);
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                bodies.add("body " + i);
            }
            bodies.set(13, "not \uFFFF valid for SQS"); // SQS refuses U+FFFF in a body

            QueueMessages.Refused refused = queue.trySend(bodies);

            assertThat(refused.positions()).containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19); // its batch
            assertThat(refused.reason()).isNotBlank();
            List<String> received = queues.drain(QUEUE).stream().map(TestQueues.DeadLetter::body).toList();
            List<String> expected = new ArrayList<>(bodies.subList(0, 10));
            expected.addAll(bodies.subList(20, 25));
            assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void oneMessageGoesWithItsStringAttributes() {
        TestServices.get().createQueues(QUEUE + "-attributes", QUEUE + "-attributes-dlq");
        try (TestQueues queues = new TestQueues()) {
            new QueueMessages(TestServices.get().client(), QUEUE + "-attributes")
                    .send("{\"a\":1}", Map.of("errorType", "InvalidEventException", "failedRouteId", "delivery"));
            assertThat(queues.drain(QUEUE + "-attributes")).singleElement().satisfies(m -> {
                assertThat(m.body()).isEqualTo("{\"a\":1}");
                assertThat(m.attributes()).containsEntry("errorType", "InvalidEventException")
                        .containsEntry("failedRouteId", "delivery");
            });
        }
    }
}
