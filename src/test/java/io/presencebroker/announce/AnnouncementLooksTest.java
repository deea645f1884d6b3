package io.presencebroker.announce;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.metrics.Meters;
import io.presencebroker.testing.AnnouncementLog;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How often the presence-announcements flow looks for due announcements, on real ElasticMQ and MariaDB, the queue
 * its only endpoint (as in production and the benchmark): every poll interval, and at once again only after a full
 * batch. A greedy scheduler that is not synchronous decides before the route's parallel sends have finished, takes
 * every look for a full batch and looks again at once: here about 50 looks where 6 are due, and in the benchmark
 * claims of 2.5 announcements instead of 10, each with its SendMessageBatch and two transactions (a fifth of the
 * lifecycle throughput).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnnouncementLooksTest extends ServiceTestSupport {

    static final String EVENTS = "announce-looks-events";
    static final String ANNOUNCEMENTS = "announce-looks-announcements";
    static final int POLL_INTERVAL_MS = 500;
    final TestQueues queues = new TestQueues();
    final AnnouncementLog announcements = new AnnouncementLog(queues, ANNOUNCEMENTS);

    @Override
    protected Map<String, String> settings() {
        try {
            // before the flow starts: rows another test class left due would go out on this class's queue
            TestServices.clearDatabase();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> s = TestServices.settings(EVENTS, EVENTS + "-dlq");
        TestServices.get().createQueues(ANNOUNCEMENTS, ANNOUNCEMENTS + "-dlq");
        s.put("presence.announcements.enabled", "true");
        s.put("presence.announcements.queue", ANNOUNCEMENTS);
        s.put("presence.announcements.poll-interval-ms", String.valueOf(POLL_INTERVAL_MS));
        // more than the test's users: no look finds a full batch, so none may follow another at once
        s.put("presence.announcements.batch-size", "1000");
        return s;
    }

    @AfterAll
    void stop() {
        queues.close();
        context.stop();
    }

    @Test
    void aSteadyStreamOfTransitionsIsClaimedAtMostOncePerPollInterval() throws Exception {
        MeterRegistry meters = Meters.of(context);
        DistributionSummary claims = meters.get("presence_announcement_claim_size").summary();
        Counter looks = meters.get("presence_announcement_looks").counter();
        double looksBefore = looks.count();
        double claimedBefore = claims.totalAmount();
        int users = 200;
        long t = System.currentTimeMillis() - 600_000;
        long start = System.nanoTime();
        // the offered load: a connect of a new user per request, from four senders at once (about 60 requests/s here,
        // each a commit of its own, so that most looks find something)
        List<Thread> senders = new ArrayList<>();
        for (int sender = 0; sender < 4; sender++) {
            int first = sender;
            Thread thread = new Thread(() -> {
                for (int k = first; k < users; k += 4) {
                    queues.send(EVENTS, EventJson.connected("looks" + k, t, "s-looks" + k, 1));
                }
            });
            thread.start();
            senders.add(thread);
        }
        for (Thread thread : senders) {
            thread.join();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> announcements.userIdsStartingWith("looks").size() >= users);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        double looked = looks.count() - looksBefore;
        // looks are an interval apart: none follows at once, as no look found a full batch (a slow host only makes
        // them fewer)
        assertThat(looked).isLessThanOrEqualTo(elapsedMillis / (double) POLL_INTERVAL_MS + 2);
        assertThat(claims.totalAmount() - claimedBefore).isEqualTo(users);
        assertThat(announcements.userIdsStartingWith("looks")).doesNotHaveDuplicates().hasSize(users);
    }

}
