package io.presencebroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.RouteFiles;
import io.presencebroker.testing.S3MockServer;
import io.presencebroker.testing.SocketStatusRow;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * PRESENCE_ROUTES_S3_URI against a real S3-compatible server (Adobe's S3Mock, its own process): the routes are
 * fetched from the prefix and used; a broken set is refused before any consumer starts, with its problems listed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3RouteSourceTest {

    static final String BUCKET = "presence-routes";
    static final String QUEUE = "s3-routes-events";
    static final String DLQ = "s3-routes-events-dlq";

    @TempDir
    Path temp;
    S3MockServer s3;

    @BeforeAll
    void startS3() throws Exception {
        s3 = S3MockServer.start(Files.createTempDirectory("s3mock-store"), BUCKET);
    }

    @AfterAll
    void stopS3() {
        s3.close();
    }

    @Test
    void routesFetchedFromThePrefixAreTheOnesThatRun() throws Exception {
        s3.upload(BUCKET, "prod/routes/", RouteFiles.copy(temp.resolve("edited"), RouteFiles::dropLoadTestClients));
        // outside the folder of the prefix: never fetched (a broken file there would fail the start)
        s3.client().putObject(b -> b.bucket(BUCKET).key("prod/routes/old/broken.yaml"), RequestBody.fromString("- route: {"));
        s3.client().putObject(b -> b.bucket(BUCKET).key("prod/broken.yaml"), RequestBody.fromString("- route: {"));

        HistoryGenerator generator = new HistoryGenerator(20261203L);
        List<ReferenceModel.Event> kept = generator.history(5, 3, "s3-user-");
        List<ReferenceModel.Event> all = new ArrayList<>(kept);
        all.addAll(generator.history(3, 2, "loadtest-"));

        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings("s3://" + BUCKET + "/prod/routes/")).start();
             TestQueues queues = new TestQueues()) {
            assertThat(broker.context().getRoute("lifecycle-events").getSourceLocation())
                    .contains("presence-routes-").contains("lifecycle-events.yaml");
            queues.send(QUEUE, generator.deliveries(all));
            queues.awaitDrained(QUEUE, Duration.ofSeconds(60));
            // the edit fetched from S3 is in force: the load-test clients were dropped, the rest is exact
            assertThat(SocketStatusRow.readAll()).isEqualTo(ReferenceModel.of(kept).socketStatus());
            assertThat(queues.depth(DLQ)[0]).isZero();
        }
    }

    @Test
    void aBrokenSetIsRefusedBeforeAnyConsumerStarts() throws Exception {
        s3.upload(BUCKET, "broken/", RouteFiles.copy(temp.resolve("broken"),
                yaml -> yaml.replace("ref: lifecycleEventParser", "ref: lifecycleEventParsr")));
        try (TestQueues queues = new TestQueues()) {
            Map<String, String> settings = settings("s3://" + BUCKET + "/broken/");
            queues.send(QUEUE, io.presencebroker.lifecycle.EventJson.connected("s3-waiting", 1_000L, "w-1", 1));

            assertThatThrownBy(() -> new PresenceBroker(settings).start().close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("The routes fetched from s3://" + BUCKET + "/broken/ are refused, nothing was started")
                    .hasMessageMatching("(?s).*presence-routes-[^/]*/lifecycle-events\\.yaml:\\d+: bean: no bean named"
                            + " lifecycleEventParsr in the registry.*");
            // nothing received it: still visible, not in flight
            assertThat(queues.depth(QUEUE)).containsExactly(1, 0);
            queues.purge(QUEUE);
        }
    }

    @Test
    void anEmptyPrefixFailsTheStartSayingWhatToUpload() {
        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/nothing-here/")))
                .hasMessage("There are no route files (*.yaml) at s3://" + BUCKET + "/nothing-here/: upload them with"
                        + " `aws s3 sync routes/ s3://" + BUCKET + "/nothing-here/`");
    }

    private Map<String, String> settings(String uri) {
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.routes.s3-uri", uri);
        settings.put("presence.s3.endpoint", s3.endpoint());
        // not the shipped folder: what runs can only have come from S3
        settings.put("presence.routes-dir", temp.resolve("absent").toString());
        return settings;
    }
}
