package io.presencebroker.delivery;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Receipts against the real MariaDB, for the orders a route cannot arrange on demand: a receipt that comes before the
 * row its delivery writes (a slow PUBACK, a retried record) is not lost, and no push goes out for it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryReceiptsTest {

    HikariDataSource pool;

    @BeforeAll
    void pool() throws Exception {
        pool = TestServices.pool(2);
        TestServices.clearDatabase();
    }

    @AfterAll
    void close() {
        pool.close();
    }

    @Test
    void aReceiptBeforeItsRowMarksTheDeliveryReceivedAndNothingIsPushed() throws Exception {
        // due at once (timeout 0); no SQS client: a push attempt would fail the test
        DeliveryReceipts receipts = new DeliveryReceipts(true, pool, 0, 100, null, "no-push-queue",
                new DeliveryMessages(new SimpleMeterRegistry()));
        OutboxMessage message = new OutboxMessageParser(1000).parse(
                OutboxJson.message("early-1", "7", "sam", List.of("alice"), "hi"));
        Delivery delivery = new Delivery(message, "claim-1",
                List.of(new RecipientStatus("alice", List.of("app/alice/chat/7"), false)), true);

        assertThat(receipts.received("{\"messageId\":\"early-1\",\"userId\":\"alice\"}")).isTrue();
        delivery.overSocket(delivery.getRecipients().get(0).status());
        try (Connection c = pool.getConnection()) {
            receipts.expect(c, List.of(delivery));
        }

        assertThat(receipts.pushOverdue()).isZero();
        assertThat(state("early-1", "alice")).isEqualTo("received");
    }

    static String state(String messageId, String recipient) throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT state FROM delivery_receipt WHERE message_id = '" + messageId
                     + "' AND recipient = '" + recipient + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
