package io.presencebroker.announce;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A claim must outlast the worst case of its sends; the defaults do, the old defaults did not. */
class ClaimBudgetTest {

    @Test
    void theWorstCaseIsEveryTryWaitingItsWholeTimeoutAndTheRetriesDelays() {
        assertThat(ClaimBudget.worstCaseMillis(0, 3000, 0)).isEqualTo(3000 + 3000);
        assertThat(ClaimBudget.worstCaseMillis(2, 3000, 5000)).isEqualTo(3 * 13_000 + 3000 + 20 + 40);
        assertThat(ClaimBudget.worstCaseMillis(8, 1, 0)).isEqualTo(9 + 1 + 20 + 40 + 80 + 160 + 320 + 640 + 1000 + 1000);
    }

    @Test
    void theDefaultsFitTheClaimAndTheOldOnesAreRefusedNamingTheSettings() {
        // 45 s claim, 2 retries, SQS calls 3 s, MQTT publishes 5 s: 42.06 s
        assertThatCode(() -> ClaimBudget.require(45, 2, 3000, 5000)).doesNotThrowAnyException();
        // the 30 s claim of before does not fit those sends any more
        assertThatThrownBy(() -> ClaimBudget.require(30, 2, 3000, 5000)).isInstanceOf(IllegalStateException.class);
        // before: 5 retries, no SQS call timeout (say the SDK's 30 s socket timeout), MQTT 5 s
        assertThatThrownBy(() -> ClaimBudget.require(30, 5, 30_000, 5000))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("An announcement claim lasts PRESENCE_ANNOUNCEMENTS_CLAIM_SECONDS (30 s), but its"
                        + " sends can take 270620 ms: (PRESENCE_ANNOUNCEMENTS_SEND_RETRIES 5 + 1) x"
                        + " (PRESENCE_SQS_CALL_TIMEOUT_MS 30000 + 2 x PRESENCE_DELIVERY_MQTT_PUBLISH_TIMEOUT_MS 5000)");
    }
}
