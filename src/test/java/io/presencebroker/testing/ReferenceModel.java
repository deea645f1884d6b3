package io.presencebroker.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The plain in-memory meaning of docs/lifecycle-events.md, fed the history in the order it happened. It knows the
 * ground truth the service has to infer: which connection came later (the generator numbers them), so rule 1 here
 * uses no versionNumber or timestamp heuristics at all.
 */
public final class ReferenceModel {

    /** One event of a generated history, with the connection number only the generator knows. */
    public record Event(String json, String clientId, String type, long timestamp, String session, int connection,
                        List<String> topics) {
    }

    private record Presence(int connection, boolean disconnected, String session, long timestamp, Event event) {
    }

    private record Subscription(long timestamp, int rank, String session, String topic) {
    }

    private static final Comparator<Subscription> SUBSCRIPTION_ORDER = Comparator
            .comparingLong(Subscription::timestamp)
            .thenComparingInt(Subscription::rank)
            .thenComparing(Subscription::session)
            .thenComparing(Subscription::topic);

    private final Map<String, Presence> presence = new TreeMap<>();
    private final Map<String, Map<String, Subscription>> subscriptions = new HashMap<>();

    /** The state the given history leaves, applied in its order. */
    public static ReferenceModel of(List<Event> history) {
        ReferenceModel model = new ReferenceModel();
        history.forEach(model::apply);
        return model;
    }

    public void apply(Event e) {
        switch (e.type()) {
            case "connected", "disconnected" -> {
                Presence next = new Presence(e.connection(), e.type().equals("disconnected"), e.session(), e.timestamp(),
                        e);
                Presence current = presence.get(e.clientId());
                // rule 1: the latest connection wins; within one connection, disconnected beats connected
                if (current == null || next.connection() > current.connection()
                        || (next.connection() == current.connection() && next.disconnected() && !current.disconnected())) {
                    presence.put(e.clientId(), next);
                }
            }
            case "subscribed", "unsubscribed" -> {
                for (String topic : e.topics()) {
                    String chat = chatId(topic);
                    if (chat == null) {
                        continue;
                    }
                    Subscription next = new Subscription(e.timestamp(), e.type().equals("unsubscribed") ? 1 : 0,
                            e.session(), topic);
                    // rule 2: latest by timestamp; unsubscribed wins a tie; session and topic settle the rest
                    subscriptions.computeIfAbsent(e.clientId(), k -> new HashMap<>())
                            .merge(chat, next, (a, b) -> SUBSCRIPTION_ORDER.compare(a, b) >= 0 ? a : b);
                }
            }
            default -> {
                // rule 5: changes nothing
            }
        }
    }

    /** Each client's winning connected or disconnected event: what AWS IoT's connectivity record says of it. */
    public Map<String, Event> presenceWinners() {
        Map<String, Event> winners = new TreeMap<>();
        presence.forEach((client, p) -> winners.put(client, p.event()));
        return winners;
    }

    /** app/{user}/chat/{chatId}[/...] without wildcards. */
    static String chatId(String topic) {
        if (topic.contains("+") || topic.contains("#")) {
            return null;
        }
        String[] s = topic.split("/", -1);
        if (s.length < 4 || !s[2].equals("chat") || s[0].isEmpty() || s[1].isEmpty() || s[3].isEmpty()) {
            return null;
        }
        return s[3];
    }

    /** user_socket_status: the socket_status rows, each with the user of its client. */
    public List<String> userSocketStatus(java.util.function.UnaryOperator<String> userOf) {
        List<String> rows = new ArrayList<>();
        for (SocketStatusRow r : socketStatus()) {
            rows.add(userOf.apply(r.clientId()) + " " + r);
        }
        java.util.Collections.sort(rows);
        return rows;
    }

    /**
     * user_presence: online when any client of the user is connected; last seen the latest connect of its connected
     * clients while online, the latest disconnect of its clients while offline (the winning events' timestamps).
     */
    public List<UserPresenceRow> userPresence(java.util.function.UnaryOperator<String> userOf) {
        Map<String, List<Presence>> byUser = new TreeMap<>();
        presence.forEach((client, p) -> byUser.computeIfAbsent(userOf.apply(client), k -> new ArrayList<>()).add(p));
        List<UserPresenceRow> rows = new ArrayList<>();
        byUser.forEach((user, clients) -> {
            List<Presence> online = clients.stream().filter(p -> !p.disconnected()).toList();
            long lastSeen = (online.isEmpty() ? clients : online).stream().mapToLong(Presence::timestamp).max().orElseThrow();
            rows.add(new UserPresenceRow(user, !online.isEmpty(), online.size(), lastSeen));
        });
        return rows;
    }

    public List<SocketStatusRow> socketStatus() {
        List<SocketStatusRow> rows = new ArrayList<>();
        presence.forEach((client, p) -> {
            if (p.disconnected()) {
                rows.add(SocketStatusRow.disconnected(client));
                return;
            }
            int before = rows.size();
            subscriptions.getOrDefault(client, Map.of()).forEach((chat, s) -> {
                if (s.rank() == 0 && s.session().equals(p.session())) {
                    rows.add(SocketStatusRow.subscribed(client, chat, s.topic()));
                }
            });
            if (rows.size() == before) {
                rows.add(SocketStatusRow.connected(client));
            }
        });
        rows.sort(SocketStatusRow.ORDER);
        return rows;
    }
}
