package io.presencebroker.announce;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.AnnouncementLog;
import io.presencebroker.testing.ServiceProcess;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence announcements across service processes (each its own JVM, configured through environment variables as on
 * Fargate): a pending offline survives a restart inside its window and is announced once; two instances on one
 * database announce every transition once.
 */
class AnnouncementInstancesTest {

    static final String EVENTS = "announce-instances-events";
    static final String DLQ = "announce-instances-events-dlq";
    static final String ANNOUNCEMENTS = "announce-instances-announcements";
    static final Duration START = Duration.ofSeconds(120);

    static Map<String, String> settings(long debounceMillis) {
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        TestServices.get().createQueues(ANNOUNCEMENTS, ANNOUNCEMENTS + "-dlq");
        s.put("presence.user-id-pattern", "^([^:]+):");
        s.put("presence.announcements.enabled", "true");
        s.put("presence.offline-debounce-ms", String.valueOf(debounceMillis));
        s.put("presence.offline-debounce-unclean-ms", String.valueOf(debounceMillis));
        s.put("presence.announcements.queue", ANNOUNCEMENTS);
        return s;
    }

    static long unsettledRows() throws Exception {
        try (Connection c = TestServices.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM presence_announcement"
                     + " WHERE sending_online IS NOT NULL OR pending_online IS NOT NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aPendingOfflineSurvivesARestartInsideItsWindowAndIsAnnouncedOnce() throws Exception {
        TestServices.clearDatabase();
        // long enough that the first process is surely gone before the offline is due
        Map<String, String> settings = settings(20_000);
        long t = System.currentTimeMillis() - 60_000;
        try (TestQueues queues = new TestQueues()) {
            queues.purge(ANNOUNCEMENTS);
            AnnouncementLog log = new AnnouncementLog(queues, ANNOUNCEMENTS);
            try (ServiceProcess first = ServiceProcess.start(settings, List.of("-Xmx256m"), "announce-restart-first")) {
                queues.send(EVENTS, EventJson.connected("eve:phone", t, "e-1", 1));
                log.await("eve", 1, START);
                queues.send(EVENTS, EventJson.disconnected("eve:phone", t + 10, "e-1", 1, "CONNECTION_LOST"));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        "announced=online, sending=null, pending=offline".equals(AnnouncementLog.row("eve")));
                first.terminate(30);
            }
            // stopped inside the window: the offline is still pending, in the database
            assertThat(AnnouncementLog.row("eve")).isEqualTo("announced=online, sending=null, pending=offline");
            assertThat(log.of("eve")).hasSize(1);

            try (ServiceProcess second = ServiceProcess.start(settings, List.of("-Xmx256m"), "announce-restart-second")) {
                log.await("eve", 2, START);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        "announced=offline, sending=null, pending=null".equals(AnnouncementLog.row("eve")));
                second.terminate(30);
            }
            assertThat(log.of("eve")).extracting(AnnouncementLog.Received::online).containsExactly(true, false);
        }
    }

    @Test
    void twoInstancesAnnounceEveryTransitionOnceInOrderPerUser() throws Exception {
        TestServices.clearDatabase();
        Map<String, String> settings = settings(1_000);
        settings.put("presence.announcements.batch-size", "5");
        long t = System.currentTimeMillis() - 60_000;
        int users = 60;
        try (TestQueues queues = new TestQueues();
             ServiceProcess a = ServiceProcess.start(settings, List.of("-Xmx256m"), "announce-two-a");
             ServiceProcess b = ServiceProcess.start(settings, List.of("-Xmx256m"), "announce-two-b")) {
            queues.purge(ANNOUNCEMENTS);
            AnnouncementLog log = new AnnouncementLog(queues, ANNOUNCEMENTS);
            List<String> connects = new ArrayList<>();
            List<String> disconnects = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                // two devices each: the user is online from the first connect to the last disconnect
                for (String device : List.of("phone", "laptop")) {
                    String client = "two" + u + ":" + device;
                    connects.add(EventJson.connected(client, t + u, "s-" + client, 1));
                    disconnects.add(EventJson.disconnected(client, t + 1000 + u, "s-" + client, 1, "CONNECTION_LOST"));
                }
            }
            queues.send(EVENTS, connects);
            Awaitility.await().atMost(START).until(() -> log.all().size() >= users);
            queues.send(EVENTS, disconnects);
            Awaitility.await().atMost(START).until(() -> log.all().size() >= 2 * users && unsettledRows() == 0);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

            for (int u = 0; u < users; u++) {
                assertThat(log.of("two" + u)).as("two" + u).extracting(AnnouncementLog.Received::online)
                        .containsExactly(true, false);
            }
            assertThat(log.all()).hasSize(2 * users);
            a.terminate(30);
            b.terminate(30);
        }
    }
}
