package io.presencebroker.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;

/** The presence announcements that reached an SQS queue, in arrival order, with the time each was taken off it. */
public final class AnnouncementLog {

    public record Received(JsonNode message, long receivedAtMillis) {
        public String userId() {
            return message.get("userId").asText();
        }

        public boolean online() {
            return message.get("online").asBoolean();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestQueues queues;
    private final String queue;
    private final List<Received> received = new ArrayList<>();

    public AnnouncementLog(TestQueues queues, String queue) {
        this.queues = queues;
        this.queue = queue;
    }

    /** Everything received so far, after taking what is on the queue now. */
    public synchronized List<Received> all() {
        for (TestQueues.DeadLetter m : queues.drain(queue)) {
            try {
                received.add(new Received(JSON.readTree(m.body()), System.currentTimeMillis()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("not JSON on " + queue + ": " + m.body(), e);
            }
        }
        return List.copyOf(received);
    }

    public List<Received> of(String userId) {
        return all().stream().filter(r -> r.userId().equals(userId)).toList();
    }

    /** The user ids of the announcements so far whose user id starts with {@code prefix}, one per announcement. */
    public List<String> userIdsStartingWith(String prefix) {
        return all().stream().map(Received::userId).filter(u -> u.startsWith(prefix)).toList();
    }

    /** Waits until {@code count} announcements of the user have arrived; returns them. */
    public List<Received> await(String userId, int count, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> of(userId).size() >= count);
        return of(userId);
    }

    /**
     * The user's row of presence_announcement as "announced=?, sending=?, pending=?" (null when the user has none):
     * nothing sending and nothing pending means no announcement of the user can come any more.
     */
    public static String row(String userId) throws Exception {
        try (Connection c = TestServices.connection();
             PreparedStatement st = c.prepareStatement("SELECT announced_online, sending_online, pending_online"
                     + " FROM presence_announcement WHERE user_id = ?")) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return "announced=" + value(rs, 1) + ", sending=" + value(rs, 2) + ", pending=" + value(rs, 3);
            }
        }
    }

    private static String value(ResultSet rs, int column) throws Exception {
        boolean v = rs.getBoolean(column);
        return rs.wasNull() ? "null" : (v ? "online" : "offline");
    }
}
