package io.presencebroker.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.presencebroker.lifecycle.EventJson;

/**
 * Valid AWS IoT lifecycle histories, in the order they happen: several connections per client with increasing (and
 * skipping) versionNumbers, connected and disconnected sharing a version, version resets to 0 after more than an
 * hour disconnected, DUPLICATE_CLIENTID kicks whose old disconnect comes after the new connect, subscriptions in and
 * across sessions with timestamp ties, non-chat and wildcard topics, and connect_failed noise.
 */
public final class HistoryGenerator {

    private static final String[] REASONS = {"CLIENT_INITIATED_DISCONNECT", "CONNECTION_LOST", "MQTT_KEEP_ALIVE_TIMEOUT",
        "SERVER_INITIATED_DISCONNECT", "THROTTLED", "WEBSOCKET_TTL_EXPIRATION", "SOME_FUTURE_REASON"};
    private static final long HOUR = 3_600_000L;

    private final Random random;

    public HistoryGenerator(long seed) {
        this.random = new Random(seed);
    }

    public List<ReferenceModel.Event> history(int clients, int maxConnections, String clientPrefix) {
        List<String> ids = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            ids.add(clientPrefix + c);
        }
        return history(ids, maxConnections);
    }

    /**
     * Users with several devices: each user {@code prefix + u} has 1 to maxDevices clients {@code prefix + u + ":d" + k}
     * (the user id pattern {@code ^([^:]+):}), except about one user in five, whose one client id has no colon (its
     * own user). Their histories interleaved as {@link #history(int, int, String)}.
     */
    public List<ReferenceModel.Event> users(int users, int maxDevices, int maxConnections, String prefix) {
        List<String> ids = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            if (random.nextInt(5) == 0) {
                ids.add(prefix + u);
                continue;
            }
            int devices = 1 + random.nextInt(maxDevices);
            for (int d = 0; d < devices; d++) {
                ids.add(prefix + u + ":d" + d);
            }
        }
        return history(ids, maxConnections);
    }

    private List<ReferenceModel.Event> history(List<String> ids, int maxConnections) {
        int clients = ids.size();
        List<List<ReferenceModel.Event>> perClient = new ArrayList<>();
        for (String id : ids) {
            perClient.add(client(id, 1 + random.nextInt(maxConnections)));
        }
        // interleave the clients' histories, each kept in its own order
        List<ReferenceModel.Event> all = new ArrayList<>();
        int[] next = new int[clients];
        int remaining = perClient.stream().mapToInt(List::size).sum();
        while (remaining > 0) {
            int c = random.nextInt(clients);
            if (next[c] < perClient.get(c).size()) {
                all.add(perClient.get(c).get(next[c]++));
                remaining--;
            }
        }
        return all;
    }

    private List<ReferenceModel.Event> client(String client, int connections) {
        List<ReferenceModel.Event> events = new ArrayList<>();
        long t = 1_764_151_200_000L + random.nextInt(1_000_000);
        long version = random.nextInt(4);
        String kickedSession = null;
        long kickedVersion = -1;
        for (int k = 0; k < connections; k++) {
            boolean reset = k > 0 && kickedSession == null && random.nextInt(4) == 0;
            if (reset) {
                t += HOUR + 60_000 + random.nextInt((int) HOUR);
                version = 0;
            } else if (k > 0) {
                version += 1 + random.nextInt(3);
            }
            String session = "%s-s%d-%08x".formatted(client, k, random.nextInt());
            if (random.nextInt(6) == 0) {
                events.add(event(EventJson.connectFailed(client, t - 5, session), client, "connect_failed", t - 5,
                        session, k, List.of()));
            }
            events.add(event(EventJson.connected(client, t, session, version), client, "connected", t, session, k, List.of()));
            if (kickedSession != null) {
                long late = t + random.nextInt(2_000);
                events.add(event(EventJson.disconnected(client, late, kickedSession, kickedVersion, "DUPLICATE_CLIENTID"),
                        client, "disconnected", late, kickedSession, k - 1, List.of()));
                kickedSession = null;
            }
            t += 1 + random.nextInt(3_000);
            int ops = random.nextInt(6);
            for (int op = 0; op < ops; op++) {
                String type = random.nextInt(10) < 7 ? "subscribed" : "unsubscribed";
                List<String> topics = topics(client);
                events.add(event(EventJson.subscription(type, client, t, session, topics), client, type, t, session, k, topics));
                t += random.nextInt(3) == 0 ? 0 : random.nextInt(2_000); // ties happen
            }
            t += 1;
            boolean last = k == connections - 1;
            if (last && random.nextBoolean()) {
                break; // stays connected
            }
            if (!last && random.nextInt(4) == 0) {
                kickedSession = session; // the next connection kicks this one
                kickedVersion = version;
            } else {
                String reason = REASONS[random.nextInt(REASONS.length)];
                events.add(event(EventJson.disconnected(client, t, session, version, reason), client, "disconnected", t,
                        session, k, List.of()));
            }
            t += 1 + random.nextInt(10_000);
        }
        return events;
    }

    /**
     * A connection storm: every client is connected and subscribed to two chats; then a network blip makes most of
     * them drop and reconnect within seconds (some new connections kick the old one before its disconnect is
     * published), and they subscribe again in the new session.
     */
    public List<ReferenceModel.Event> storm(int clients, String clientPrefix) {
        List<ReferenceModel.Event> events = new ArrayList<>();
        long blip = 1_764_151_200_000L + 600_000;
        for (int c = 0; c < clients; c++) {
            String client = clientPrefix + c;
            long version = 1 + random.nextInt(50);
            long t = blip - 300_000 + random.nextInt(200_000);
            String s1 = client + "-a";
            List<String> chats = List.of("app/%s/chat/%d".formatted(client, random.nextInt(20)),
                    "app/%s/chat/room-%d".formatted(client, 20 + random.nextInt(20)));
            events.add(event(EventJson.connected(client, t, s1, version), client, "connected", t, s1, 0, List.of()));
            events.add(event(EventJson.subscription("subscribed", client, t + 50, s1, chats), client, "subscribed", t + 50, s1, 0, chats));
            if (random.nextInt(10) == 0) {
                continue; // rode out the blip
            }
            long drop = blip + random.nextInt(3_000);
            long back = drop + 500 + random.nextInt(4_000);
            String s2 = client + "-b";
            boolean kicked = random.nextInt(4) == 0;
            if (!kicked) {
                events.add(event(EventJson.disconnected(client, drop, s1, version, "CONNECTION_LOST"), client, "disconnected",
                        drop, s1, 0, List.of()));
            }
            events.add(event(EventJson.connected(client, back, s2, version + 1), client, "connected", back, s2, 1, List.of()));
            if (kicked) {
                events.add(event(EventJson.disconnected(client, back + 200, s1, version, "DUPLICATE_CLIENTID"), client,
                        "disconnected", back + 200, s1, 0, List.of()));
            }
            events.add(event(EventJson.subscription("subscribed", client, back + 80, s2, chats), client, "subscribed",
                    back + 80, s2, 1, chats));
        }
        return events;
    }

    private List<String> topics(String client) {
        List<String> topics = new ArrayList<>();
        List<Integer> chats = new ArrayList<>(List.of(1, 2, 3, 4));
        java.util.Collections.shuffle(chats, random);
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            int chat = chats.get(i);
            topics.add(random.nextInt(5) == 0
                    ? "app/%s/chat/%d/typing".formatted(client, chat)
                    : "app/%s/chat/%d".formatted(client, chat));
        }
        switch (random.nextInt(6)) {
            case 0 -> topics.add("app/%s/notifications".formatted(client));
            case 1 -> topics.add("app/%s/chat/+".formatted(client));
            default -> { }
        }
        return topics;
    }

    private static ReferenceModel.Event event(String json, String client, String type, long ts, String session, int connection,
                                              List<String> topics) {
        return new ReferenceModel.Event(json, client, type, ts, session, connection, topics);
    }

    /** Every event once or more (about one in eight twice), in a random order. */
    public List<String> deliveries(List<ReferenceModel.Event> history) {
        List<String> bodies = new ArrayList<>();
        for (ReferenceModel.Event e : history) {
            bodies.add(e.json());
            if (random.nextInt(8) == 0) {
                bodies.add(e.json());
            }
        }
        java.util.Collections.shuffle(bodies, random);
        return bodies;
    }
}
