package io.presencebroker.announce;

/**
 * A claim must outlast its sends. The route tries a failed step again presence.announcements.send-retries times (20 ms
 * apart, doubling, at most 1 s); in the worst case every try of the MQTT publish waits its timeout twice (for a slot
 * within the broker's Receive Maximum, then for the PUBACK: mqtt/MqttPublisher.publishAll) and every try of the SQS
 * send its whole call timeout, after one more SQS call for the queue's URL. If that can take longer than the claim, another instance takes the claim over while the first still sends,
 * and the two send the user's states in an order nobody chose. A start with such settings is refused, naming them.
 * (What a network delivers late, after the sender gave the call up, is what the announcements' sequence numbers are
 * for: docs/announcements.md.)
 */
final class ClaimBudget {

    private ClaimBudget() {
    }

    /** The longest the sends of one claim can take, in milliseconds. */
    static long worstCaseMillis(int retries, long sqsCallTimeoutMillis, long mqttPublishTimeoutMillis) {
        long backoff = 0;
        long delay = 20;
        for (int i = 0; i < retries; i++) {
            backoff += delay;
            delay = Math.min(delay * 2, 1000);
        }
        return (retries + 1L) * (sqsCallTimeoutMillis + 2 * mqttPublishTimeoutMillis) + sqsCallTimeoutMillis + backoff;
    }

    /** Refuses settings whose worst case does not fit in the claim. */
    static void require(int claimSeconds, int retries, long sqsCallTimeoutMillis, long mqttPublishTimeoutMillis) {
        long worst = worstCaseMillis(retries, sqsCallTimeoutMillis, mqttPublishTimeoutMillis);
        if (worst >= claimSeconds * 1000L) {
            throw new IllegalStateException("An announcement claim lasts PRESENCE_ANNOUNCEMENTS_CLAIM_SECONDS ("
                    + claimSeconds + " s), but its sends can take " + worst + " ms: (PRESENCE_ANNOUNCEMENTS_SEND_RETRIES "
                    + retries + " + 1) x (PRESENCE_SQS_CALL_TIMEOUT_MS " + sqsCallTimeoutMillis
                    + (mqttPublishTimeoutMillis > 0 ? " + 2 x PRESENCE_DELIVERY_MQTT_PUBLISH_TIMEOUT_MS " + mqttPublishTimeoutMillis : "")
                    + "), a queue URL lookup and the retries' delays; make the claim longer or the retries or timeouts"
                    + " smaller");
        }
    }
}
