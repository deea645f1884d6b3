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
 * fetched from the prefix as the manifest the deployment pins lists them, and used; a set the deployment does not name
 * (a file changed after it, a new manifest) and a set that breaks check-routes or its policy are refused before any
 * consumer starts, with the reason.
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
        String manifest = s3.uploadSet(BUCKET, "prod/routes/", RouteFiles.copy(temp.resolve("edited"),
                RouteFiles::dropLoadTestClients));
        // not in the manifest: never fetched (a broken file would fail the start)
        s3.client().putObject(b -> b.bucket(BUCKET).key("prod/routes/added-later.yaml"), RequestBody.fromString("- route: {"));
        s3.client().putObject(b -> b.bucket(BUCKET).key("prod/routes/old/broken.yaml"), RequestBody.fromString("- route: {"));
        s3.client().putObject(b -> b.bucket(BUCKET).key("prod/broken.yaml"), RequestBody.fromString("- route: {"));

        HistoryGenerator generator = new HistoryGenerator(20261203L);
        List<ReferenceModel.Event> kept = generator.history(5, 3, "s3-user-");
        List<ReferenceModel.Event> all = new ArrayList<>(kept);
        all.addAll(generator.history(3, 2, "loadtest-"));

        TestServices.clearDatabase();
        try (PresenceBroker broker = new PresenceBroker(settings("s3://" + BUCKET + "/prod/routes/", manifest)).start();
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
        String manifest = s3.uploadSet(BUCKET, "broken/", RouteFiles.copy(temp.resolve("broken"),
                yaml -> yaml.replace("ref: lifecycleEventParser", "ref: lifecycleEventParsr")));
        try (TestQueues queues = new TestQueues()) {
            Map<String, String> settings = settings("s3://" + BUCKET + "/broken/", manifest);
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

    /** Someone with write access to the bucket (not the deployer) changes a file of the deployed set. */
    @Test
    void aFileChangedAfterTheDeploymentIsNotLoaded() throws Exception {
        String manifest = s3.uploadSet(BUCKET, "changed/", RouteFiles.copy(temp.resolve("changed")));
        s3.client().putObject(b -> b.bucket(BUCKET).key("changed/dead-letter.yaml"),
                RequestBody.fromString(Files.readString(Path.of("routes/dead-letter.yaml")) + "\n# edited\n"));

        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/changed/", manifest)))
                .hasMessageMatching("s3://" + BUCKET + "/changed/dead-letter\\.yaml has SHA-256 [0-9a-f]{64}, not the"
                        + " [0-9a-f]{64} its manifest lists: it changed after the set was deployed, nothing is loaded");
    }

    /** A whole new set with its own manifest, uploaded after the deployment: not the set the deployment names. */
    @Test
    void aSetTheDeploymentDoesNotNameIsNotLoaded() throws Exception {
        String deployed = s3.uploadSet(BUCKET, "replaced/", RouteFiles.copy(temp.resolve("deployed")));
        String other = s3.uploadSet(BUCKET, "replaced/", RouteFiles.copy(temp.resolve("other"),
                yaml -> yaml.replace("# Edit:", "# Edited later:")));
        assertThat(other).isNotEqualTo(deployed);

        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/replaced/", deployed)))
                .hasMessage("The manifest s3://" + BUCKET + "/replaced/routes.sha256 has SHA-256 " + other + ", not the "
                        + deployed + " the deployment names (PRESENCE_ROUTES_MANIFEST_SHA256): the set in S3 is not the"
                        + " one that was deployed, nothing is loaded");
    }

    /** Pinned, but against the policy: a route that logs the database password is refused by the start's check. */
    @Test
    void aPinnedSetThatBreaksThePolicyIsRefusedBeforeAnyConsumerStarts() throws Exception {
        Path leaky = RouteFiles.copy(temp.resolve("leaky"));
        Path retention = leaky.resolve("delivery-log-retention.yaml");
        Files.writeString(retention, Files.readString(retention).replace("message: \"Deleted ${body} delivery_log rows",
                "message: \"{{presence.db.password}} ${body} rows"));
        String manifest = s3.uploadSet(BUCKET, "leaky/", leaky);

        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/leaky/", manifest)).start().close())
                .hasMessageContaining("The routes fetched from s3://" + BUCKET + "/leaky/ are refused, nothing was started")
                .hasMessageMatching("(?s).*delivery-log-retention\\.yaml:\\d+: policy: names the secret setting"
                        + " presence\\.db\\.password \\(PRESENCE_DB_PASSWORD\\).*");
    }

    @Test
    void withoutAManifestOrItsSumTheStartSaysWhatToDo() {
        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/nothing-here/", "0".repeat(64))))
                .hasMessageStartingWith("There is no manifest s3://" + BUCKET + "/nothing-here/routes.sha256: in the"
                        + " routes folder run `sha256sum *.yaml > routes.sha256`");
        assertThatThrownBy(() -> new PresenceBroker(settings("s3://" + BUCKET + "/nothing-here/", "")))
                .hasMessageStartingWith("PRESENCE_ROUTES_MANIFEST_SHA256 (presence.routes.manifest-sha256) must be the"
                        + " SHA-256 (64 hex digits) of s3://" + BUCKET + "/nothing-here/routes.sha256");
    }

    private Map<String, String> settings(String uri, String manifestSha256) {
        Map<String, String> settings = TestServices.settings(QUEUE, DLQ);
        settings.put("presence.routes.s3-uri", uri);
        settings.put("presence.routes.manifest-sha256", manifestSha256);
        settings.put("presence.s3.endpoint", s3.endpoint());
        // not the shipped folder: what runs can only have come from S3
        settings.put("presence.routes-dir", temp.resolve("absent").toString());
        return settings;
    }
}
