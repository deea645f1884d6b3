package io.presencebroker.failure;

import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The worst-case arithmetic, and that it bounds what Camel's redelivery policy of routes/error-handling.yaml does. */
class RetryBudgetTest {

    /** application.properties' defaults. */
    static final RetryBudget DEFAULTS = new RetryBudget(3, 200, 2000, 3000, 10_000);

    @Test
    void defaultsFitTheDeployedSixtySecondVisibilityTimeout() {
        // delays: 200 x 1.15 = 230, 460 x 1.15 = 529, 1058 x 1.15 = 1216.7 -> 1976 (ceiling)
        assertThat(DEFAULTS.delaysMillis()).isEqualTo(1976);
        // 4 x (3000 + 10000) + 1976
        assertThat(DEFAULTS.worstCaseMillis()).isEqualTo(53_976);
        assertThat(DEFAULTS.problem("events", 60)).isNull();
        assertThat(DEFAULTS.problem("events", 54)).isNull();
    }

    @Test
    void aBudgetThatDoesNotFitNamesTheSettings() {
        String problem = DEFAULTS.problem("presence-events", 30);
        assertThat(problem).contains("53976 ms", "presence-events", "30 s", "PRESENCE_RETRY_MAX_REDELIVERIES",
                "PRESENCE_DB_CONNECTION_TIMEOUT_MS", "PRESENCE_DB_SOCKET_TIMEOUT_MS", "PRESENCE_RETRY_DELAY_MS",
                "PRESENCE_RETRY_MAX_DELAY_MS", "VisibilityTimeout");
        // exactly at the timeout is too late: the message is visible again
        assertThat(new RetryBudget(0, 0, 0, 1000, 1000).problem("q", 2)).isNotNull();
        assertThat(new RetryBudget(0, 0, 0, 1000, 999).problem("q", 2)).isNull();
    }

    @Test
    void theCapAppliesAfterTheJitter() {
        // 200, 400, 800, 1600, 3200 -> with +15%: 230, 529, 1216.7, then capped at 1500 twice
        RetryBudget budget = new RetryBudget(5, 200, 1500, 0, 0);
        assertThat(budget.delaysMillis()).isEqualTo((long) Math.ceil(230 + 529 + 1216.7 + 1500 + 1500));
    }

    @Test
    void boundsCamelsOwnDelaysWithTheRoutesPolicy() {
        for (RetryBudget budget : new RetryBudget[] {DEFAULTS, new RetryBudget(3, 50, 200, 0, 0),
            new RetryBudget(6, 100, 1000, 0, 0)}) {
            RedeliveryPolicy policy = new RedeliveryPolicy();
            policy.setRedeliveryDelay(budget.delayMillis());
            policy.setMaximumRedeliveryDelay(budget.maxDelayMillis());
            policy.setUseExponentialBackOff(true);
            policy.setBackOffMultiplier(2);
            policy.setUseCollisionAvoidance(true);
            long longest = 0;
            for (int run = 0; run < 20_000; run++) {
                long previous = 0;
                long total = 0;
                for (int k = 1; k <= budget.maxRedeliveries(); k++) {
                    previous = policy.calculateRedeliveryDelay(previous, k);
                    total += previous;
                }
                longest = Math.max(longest, total);
            }
            assertThat(longest).as("longest of Camel's delays for %s", budget).isLessThanOrEqualTo(budget.delaysMillis());
            // and the jitter matters: without it the bound would be too small
            long withoutJitter = 0;
            long d = budget.delayMillis();
            for (int k = 1; k <= budget.maxRedeliveries(); k++) {
                withoutJitter += Math.min(d, budget.maxDelayMillis());
                d *= 2;
            }
            assertThat(longest).as("Camel's longest vs the bound without jitter").isGreaterThan(withoutJitter);
        }
    }
}
