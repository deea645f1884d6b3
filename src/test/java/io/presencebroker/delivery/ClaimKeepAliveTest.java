package io.presencebroker.delivery;

import java.time.Duration;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A claim is taken over only when its holder has really stopped (issue 25, item 4), on the real MariaDB: two
 * instances' delivery logs, a claim timeout of 1 s. While the first instance still works on a message (its keep-alive
 * open: a slow broker), the second is refused for three times the timeout; once the first dies (its keeper gone, its
 * poll never done), the second takes the recipients over within the timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaimKeepAliveTest {

    HikariDataSource pool;

    @BeforeAll
    void pool() throws Exception {
        pool = TestServices.pool(4);
        TestServices.clearDatabase();
    }

    @AfterAll
    void close() {
        pool.close();
    }

    DeliveryLog instance() {
        return new DeliveryLog(pool, 1, new FailurePolicy(5));
    }

    static List<OutboxMessage> outbox(String messageId) {
        return List.of(new OutboxMessageParser(1000).parse(
                OutboxJson.message(messageId, "7", "sam", List.of("alice", "bob"), "hello")));
    }

    /** Whether the second instance's claim is refused because another live claim holds the recipients. */
    static boolean refused(DeliveryLog log, String claimId) throws Exception {
        DeliveryLog.Claims claims = log.claim(outbox("m-keep"), claimId);
        return claims.elsewhere().contains("m-keep");
    }

    @Test
    void aClaimStillWorkedOnIsKeptAndADeadHoldersIsTakenOver() throws Exception {
        DeliveryLog first = instance();
        DeliveryLog second = instance();
        try {
            DeliveryLog.Claims working = first.claim(outbox("m-keep"), "first");
            assertThat(working.held().get("m-keep")).containsExactly("alice", "bob");
            try (AutoCloseable alive = first.keepAlive(List.of("m-keep"), "first")) {
                Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                        .until(() -> refused(second, "second"));

                first.close(); // the first instance dies mid-delivery: nothing refreshes its claims any more
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !refused(second, "takeover"));
            }
        } finally {
            first.close();
            second.close();
        }
    }

    /**
     * Another consumer's claim released (its delivery failed) between this claim's INSERT and its SELECT: the keys have
     * no row. The message is left for later (its redelivery delivers it), never taken as already delivered, which would
     * delete it unsent.
     */
    @Test
    void aKeyWithNoRowLeavesTheMessageForLaterNotDelivered() throws Exception {
        DeliveryLog first = instance();
        DeliveryLog second = instance();
        try {
            OutboxMessage message = new OutboxMessageParser(1000).parse(
                    OutboxJson.message("m-gap", "7", "sam", List.of("alice", "bob"), "hello"));
            assertThat(first.claim(List.of(message), "first").held().get("m-gap")).containsExactly("alice", "bob");
            // the second consumer's INSERT found the first's live claims and changed nothing; then the first released
            first.release(List.of("m-gap"), "first");

            DeliveryLog.Claims seen = second.readClaims(java.util.Map.of("m-gap", message), "second");

            assertThat(seen.held()).doesNotContainKey("m-gap");
            assertThat(seen.elsewhere()).containsExactly("m-gap");
        } finally {
            first.close();
            second.close();
        }
    }
}
