package io.presencebroker.lifecycle;

import java.util.Map;

/**
 * One event a consumer holds: the message as received (its body goes to the dead-letter queue byte for byte, and its
 * headers name it there), and what the lifecycle route made of it.
 *
 * @param body          the message body as received
 * @param headers       what names it in the dead-letter queue and the log: the SQS message id and attributes, or the
 *                      MQTT topic
 * @param receiptHandle the SQS receipt handle; null for the MQTT source
 * @param sqsAttributes the SQS system attributes asked for (receive count, first receive); empty for MQTT
 */
record ReceivedEvent(String body, Map<String, Object> headers, String receiptHandle, Map<String, String> sqsAttributes) {

    /** The outcome of routing it: its row changes, or its failure, or neither (dropped by the route). */
    record Routed(ReceivedEvent event, String eventType, RowChanges changes, Exception failure) {
    }
}
