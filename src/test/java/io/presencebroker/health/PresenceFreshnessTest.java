package io.presencebroker.health;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When the presence data is trusted: the lifecycle consumer receives, and what it receives did not wait too long. */
class PresenceFreshnessTest {

    final AtomicLong now = new AtomicLong(1_000_000);
    final PresenceFreshness freshness = new PresenceFreshness(30_000, now::get);

    @Test
    void notTrustedBeforeTheConsumersFirstReceive() {
        assertThat(freshness.trusted()).isFalse();
        assertThat(freshness.lagMillis()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void trustedWhileTheConsumerReceivesADrainedQueueAndNotOnceItFallsSilent() {
        freshness.received(-1);
        assertThat(freshness.trusted()).isTrue();

        now.addAndGet(30_000);
        assertThat(freshness.trusted()).as("silent for exactly the bound").isTrue();
        now.addAndGet(1);
        assertThat(freshness.trusted()).as("suspended, stopped or stuck past the bound").isFalse();

        freshness.received(-1);
        assertThat(freshness.trusted()).isTrue();
    }

    @Test
    void aLongPollInFlightCountsFromItsStartForTheBoundAtMost() {
        freshness.receiving(); // the first long poll of a task that just started: nothing was waiting
        assertThat(freshness.trusted()).isTrue();

        now.addAndGet(30_001); // it never returned, and no other started (stuck, suspended)
        assertThat(freshness.trusted()).isFalse();

        freshness.receiving();
        freshness.received(now.get() - 45_000); // it returned at once with a backlog
        assertThat(freshness.trusted()).isFalse();
    }

    @Test
    void receivesThatFailDoNotCountUntilOneSucceeds() {
        freshness.received(-1);
        freshness.receiveFailed(); // the events queue cannot be reached; the consumer tries again every second
        for (int i = 0; i < 31; i++) {
            now.addAndGet(1_000);
            freshness.receiving();
        }
        assertThat(freshness.trusted()).as("31 s of failed receives").isFalse();

        freshness.receiving();
        freshness.received(-1);
        assertThat(freshness.trusted()).isTrue();
    }

    @Test
    void notTrustedWhileWhatItReceivesHadWaitedLongerThanTheBound() {
        freshness.received(now.get() - 45_000); // a backlog: the oldest message of the poll waited 45 s
        assertThat(freshness.lagMillis()).isEqualTo(45_000);
        assertThat(freshness.trusted()).isFalse();

        freshness.received(now.get() - 2_000);
        assertThat(freshness.trusted()).as("another receiver's fresh messages do not clear the backlog one saw")
                .isFalse();

        now.addAndGet(30_001);
        freshness.received(now.get() - 2_000);
        assertThat(freshness.trusted()).as("no long wait seen for a bound: caught up").isTrue();
        assertThat(freshness.lagMillis()).isEqualTo(2_000);
    }
}
