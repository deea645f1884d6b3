package io.presencebroker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * presence.db.driver=aws-wrapper against the local MariaDB (no Aurora topology): the service starts through the AWS
 * Advanced JDBC Wrapper with its default plugins (failover2, efm2), applies a generated history exactly, and
 * dead-letters nothing. What the plugins do without Aurora is written down in docs/failover.md.
 */
class AwsWrapperTest {

    static final String QUEUE = "wrapper-events";
    static final String DLQ = "wrapper-events-dlq";

    @Test
    void theServiceAppliesEventsThroughTheWrapper() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.db.driver", "aws-wrapper");
        HistoryGenerator generator = new HistoryGenerator(20261203L);
        List<ReferenceModel.Event> history = generator.history(6, 3, "wrapper-");
        ReferenceModel model = ReferenceModel.of(history);

        long started = System.nanoTime();
        try (PresenceBroker broker = new PresenceBroker(settings).start(); TestQueues queues = new TestQueues()) {
            long startMillis = (System.nanoTime() - started) / 1_000_000;
            HikariDataSource pool = (HikariDataSource) broker.context().getRegistry()
                    .lookupByNameAndType("presenceDataSource", DataSource.class);
            assertThat(pool.getJdbcUrl()).startsWith("jdbc:aws-wrapper:mysql://");
            try (var c = pool.getConnection()) {
                assertThat(c.isWrapperFor(Class.forName("software.amazon.jdbc.wrapper.ConnectionWrapper")))
                        .as("a wrapper connection").isTrue();
            }
            queues.send(QUEUE, generator.deliveries(history));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            assertThat(SocketStatusRow.readAll()).isEqualTo(model.socketStatus());
            assertThat(queues.drain(DLQ)).as("dead-lettered").isEmpty();
            System.out.printf("aws-wrapper: started in %d ms, %d events applied exactly%n", startMillis, history.size());
        }
    }
}
