package io.presencebroker.delivery;

import java.time.Duration;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.testing.TestServices;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A claim is taken over only when its holder has really stopped (issue 25, item 4), on the real MariaDB: two
 * instances' delivery logs, a claim timeout of 1 s. While the first instance still works on a message (its exchange
 * not done: a slow broker), the second is refused for three times the timeout; once the first dies (its keeper
 * gone, its exchange never done), the second takes the recipients over within the timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaimKeepAliveTest {

    HikariDataSource pool;
    final CamelContext camel = new DefaultCamelContext();

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
        return new DeliveryLog(pool, 1, new DeliveryMessages(new SimpleMeterRegistry()), new FailurePolicy(5));
    }

    Exchange outbox(String messageId) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getIn().setBody(new OutboxMessageParser(1000).parse(
                OutboxJson.message(messageId, "7", "sam", List.of("alice", "bob"), "hello")));
        return exchange;
    }

    /** Whether the second instance's claim is refused because another live claim holds the recipients. */
    static boolean refused(DeliveryLog log, Exchange exchange) throws Exception {
        try {
            log.claim(exchange);
            return false;
        } catch (DeliveryInProgressException e) {
            return true;
        }
    }

    @Test
    void aClaimStillWorkedOnIsKeptAndADeadHoldersIsTakenOver() throws Exception {
        DeliveryLog first = instance();
        DeliveryLog second = instance();
        try {
            Delivery working = first.claim(outbox("m-keep"));
            assertThat(working.getRecipients()).hasSize(2);

            Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> refused(second, outbox("m-keep")));

            first.close(); // the first instance dies mid-delivery: nothing refreshes its claims any more
            Exchange takeover = outbox("m-keep");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !refused(second, takeover));
        } finally {
            first.close();
            second.close();
        }
    }
}
