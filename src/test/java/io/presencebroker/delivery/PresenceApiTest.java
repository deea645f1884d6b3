package io.presencebroker.delivery;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.lifecycle.EventJson;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GET /presence/{clientId} on the embedded HTTP server, beside the management server on its own port: answers with the
 * bearer token only (401 without), rate-limited (429 beyond 20 requests per second; that test runs last).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceApiTest extends ServiceTestSupport {

    static final String TOKEN = "api-test-token-4f9c2d7e1b";
    static final int RATE = 20;

    static final String EVENTS = "api-test-events";
    static final String DLQ = "api-test-events-dlq";
    static final ObjectMapper JSON = new ObjectMapper();

    static int apiPort;
    static int managementPort;
    final TestQueues queues = new TestQueues();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    protected Map<String, String> settings() {
        apiPort = freePort();
        managementPort = freePort();
        Map<String, String> s = TestServices.settings(EVENTS, DLQ);
        s.put("presence.api.enabled", "true");
        s.put("presence.api.port", String.valueOf(apiPort));
        s.put("presence.api.token", TOKEN);
        s.put("presence.api.rate-limit-per-second", String.valueOf(RATE));
        s.put("presence.user-id-pattern", "^([^:]+):");
        s.put("camel.management.enabled", "true");
        s.put("camel.management.port", String.valueOf(managementPort));
        s.put("presence.management.port", String.valueOf(managementPort));
        return s;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void clean() throws Exception {
        TestServices.clearDatabase();
    }

    @AfterAll
    void closeQueues() {
        queues.close();
    }

    HttpResponse<String> get(int port, String path) throws Exception {
        return get(port, path, "Bearer " + TOKEN);
    }

    HttpResponse<String> get(int port, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void connectedClientShowsItsSessionAndDeliverableChats() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        queues.send(EVENTS, EventJson.connected("kim", t, "k-1", 4),
                EventJson.subscription("subscribed", "kim", t + 1, "k-1", List.of("app/kim/chat/2", "app/kim/chat/1")));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        HttpResponse<String> response = get(apiPort, "/presence/kim");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("""
                {"clientId":"kim","connected":true,"session":"k-1",
                 "chats":[{"chatId":"1","topic":"app/kim/chat/1"},{"chatId":"2","topic":"app/kim/chat/2"}]}"""));
    }

    @Test
    void disconnectedClientHasNoChats() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        queues.send(EVENTS, EventJson.connected("lou", t, "l-1", 1),
                EventJson.subscription("subscribed", "lou", t + 1, "l-1", List.of("app/lou/chat/1")),
                EventJson.disconnected("lou", t + 2, "l-1", 1, "CONNECTION_LOST"));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        HttpResponse<String> response = get(apiPort, "/presence/lou");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(
                "{\"clientId\":\"lou\",\"connected\":false,\"session\":\"l-1\",\"chats\":[]}"));
    }

    @Test
    void aUserShowsEachOfItsClientsAndIsOnlineWhileOneIsConnected() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        queues.send(EVENTS, EventJson.connected("kai:phone", t, "p-1", 1),
                EventJson.subscription("subscribed", "kai:phone", t + 1, "p-1", List.of("app/kai/chat/1")),
                EventJson.connected("kai:laptop", t + 2, "l-1", 1),
                EventJson.disconnected("kai:laptop", t + 9, "l-1", 1, "CONNECTION_LOST"));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        HttpResponse<String> response = get(apiPort, "/presence/users/kai");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(("""
                {"userId":"kai","online":true,"clientsOnline":1,"lastSeenAt":%d,"lastSeenReason":null,"lastSeenUnclean":false,
                 "clients":[{"clientId":"kai:laptop","connected":false,"chats":[]},
                            {"clientId":"kai:phone","connected":true,
                             "chats":[{"chatId":"1","topic":"app/kai/chat/1"}]}]}""").formatted(t)));
        assertThat(get(apiPort, "/presence/users/kai", null).statusCode()).isEqualTo(401);

        queues.send(EVENTS, EventJson.disconnected("kai:phone", t + 20, "p-1", 1, "CLIENT_INITIATED_DISCONNECT"));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));
        assertThat(JSON.readTree(get(apiPort, "/presence/users/kai").body())).isEqualTo(JSON.readTree(("""
                {"userId":"kai","online":false,"clientsOnline":0,"lastSeenAt":%d,
                 "lastSeenReason":"CLIENT_INITIATED_DISCONNECT","lastSeenUnclean":false,
                 "clients":[{"clientId":"kai:laptop","connected":false,"chats":[]},
                            {"clientId":"kai:phone","connected":false,"chats":[]}]}""").formatted(t + 20)));
        assertThat(get(apiPort, "/presence/users/kai:phone").statusCode()).isEqualTo(404);
    }

    /** A user's clients come a page at a time (limit, after), so an answer is bounded whatever the user has. */
    @Test
    void aUsersClientsArePaginated() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        List<String> events = new java.util.ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            events.add(EventJson.connected("pia:d" + i, t + i, "s-" + i, 1));
        }
        events.add(EventJson.subscription("subscribed", "pia:d3", t + 10, "s-3", List.of("app/pia/chat/1", "app/pia/chat/2")));
        queues.send(EVENTS, events);
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        JsonNode first = JSON.readTree(get(apiPort, "/presence/users/pia?limit=2").body());
        assertThat(first.get("clients").findValuesAsText("clientId")).containsExactly("pia:d1", "pia:d2");
        assertThat(first.get("clientsOnline").asInt()).as("the user's, not the page's").isEqualTo(5);
        assertThat(first.get("next").asText()).isEqualTo("pia:d2");
        JsonNode second = JSON.readTree(get(apiPort, "/presence/users/pia?limit=2&after=pia:d2").body());
        assertThat(second.get("clients").findValuesAsText("clientId")).containsExactly("pia:d3", "pia:d4");
        assertThat(second.get("clients").get(0).get("chats")).hasSize(2);
        JsonNode last = JSON.readTree(get(apiPort, "/presence/users/pia?limit=2&after=pia:d4").body());
        assertThat(last.get("clients").findValuesAsText("clientId")).containsExactly("pia:d5");
        assertThat(last.has("next")).isFalse();
        // the default page is 100 clients; a limit outside 1..1000 is refused
        assertThat(JSON.readTree(get(apiPort, "/presence/users/pia").body()).get("clients")).hasSize(5);
        HttpResponse<String> bad = get(apiPort, "/presence/users/pia?limit=0");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("error").asText()).isEqualTo("limit must be a number from 1 to 1000");
    }

    /**
     * Each client's transitions, newest first and paginated, a disconnect with its reason and whether it was an
     * unclean loss; a repeated or older event is no transition. The user's history has every client's; the user's
     * presence carries the reason of its last disconnect.
     */
    @Test
    void theHistoryOfAClientAndOfAUserIsServedNewestFirst() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        // one at a time, as they happened (an event that arrives after a newer one is no transition)
        for (String event : List.of(EventJson.connected("ivy:phone", t, "p-1", 1),
                EventJson.disconnected("ivy:phone", t + 10, "p-1", 1, "MQTT_KEEP_ALIVE_TIMEOUT"),
                EventJson.connected("ivy:tab", t + 15, "t-1", 1),
                EventJson.connected("ivy:phone", t + 20, "p-2", 2),
                EventJson.connected("ivy:phone", t + 20, "p-2", 2), // a duplicate
                EventJson.disconnected("ivy:tab", t + 30, "t-1", 1, "CLIENT_INITIATED_DISCONNECT"),
                EventJson.connected("ivy:phone", t + 5, "p-1", 1))) { // late: older than what is stored
            queues.send(EVENTS, event);
            queues.awaitDrained(EVENTS, Duration.ofSeconds(30));
        }

        JsonNode first = JSON.readTree(get(apiPort, "/presence/ivy:phone/history?limit=2").body());
        assertThat(first).isEqualTo(JSON.readTree("""
                {"clientId":"ivy:phone","transitions":[
                  {"connected":true,"at":%d,"disconnectReason":null,"unclean":false,"repaired":false},
                  {"connected":false,"at":%d,"disconnectReason":"MQTT_KEEP_ALIVE_TIMEOUT","unclean":true,"repaired":false}],
                 "next":"%s"}""".formatted(t + 20, t + 10, first.get("next").asText())));
        JsonNode rest = JSON.readTree(get(apiPort, "/presence/ivy:phone/history?limit=2&before=" + first.get("next").asText()).body());
        assertThat(rest.get("transitions").findValuesAsText("at")).containsExactly(String.valueOf(t));
        assertThat(rest.has("next")).isFalse();

        JsonNode user = JSON.readTree(get(apiPort, "/presence/users/ivy/history").body());
        assertThat(user.get("transitions")).hasSize(5);
        assertThat(user.get("transitions").get(0).get("clientId").asText()).isEqualTo("ivy:tab");
        assertThat(user.get("transitions").get(0).get("unclean").asBoolean()).as("a clean disconnect").isFalse();
        JsonNode presence = JSON.readTree(get(apiPort, "/presence/users/ivy").body());
        assertThat(presence.get("online").asBoolean()).isTrue();
        assertThat(presence.get("lastSeenReason").isNull()).as("online: no reason").isTrue();
        assertThat(get(apiPort, "/presence/ivy:phone/history", null).statusCode()).isEqualTo(401);
    }

    @Test
    void unknownClientIs404() throws Exception {
        HttpResponse<String> response = get(apiPort, "/presence/" + URLEncoder.encode("nobody o'brien", StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("unknown client");
    }

    /**
     * Health on the management port only, the API on its own. The service is healthy here, so the answer is 200 and
     * UP, never 503 (which says a check is DOWN: database or queue unreachable, database read-only, consumer suspended
     * by the breaker); an event applied first makes sure the database, the queue and the consumer have all worked.
     */
    @Test
    void managementServerKeepsServingOnItsOwnPort() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        queues.send(EVENTS, EventJson.connected("mia", t, "mi-1", 1));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));
        assertThat(get(apiPort, "/presence/mia").statusCode()).isEqualTo(200);

        HttpResponse<String> health = get(managementPort, "/observe/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(JSON.readTree(health.body())).isEqualTo(JSON.readTree("{\"status\":\"UP\"}"));
        assertThat(get(apiPort, "/observe/health").statusCode()).isEqualTo(404);
        assertThat(get(managementPort, "/presence/mia").statusCode()).isEqualTo(404);
    }

    @Test
    void withoutTheTokenItIs401AndTellsTheScheme() throws Exception {
        long t = System.currentTimeMillis() - 60_000;
        queues.send(EVENTS, EventJson.connected("max", t, "m-1", 1));
        queues.awaitDrained(EVENTS, Duration.ofSeconds(30));

        HttpResponse<String> none = get(apiPort, "/presence/max", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"presence-broker\"");
        assertThat(none.body()).doesNotContain("max").contains("unauthorized");

        for (String wrong : List.of("Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1),
                "Bearer wrong-token-of-some-length", TOKEN, "Basic " + TOKEN, "Bearer")) {
            HttpResponse<String> response = get(apiPort, "/presence/max", wrong);
            assertThat(response.statusCode()).as(wrong).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(wrong)
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer realm=\"presence-broker\""));
            assertThat(response.body()).as(wrong).doesNotContain("m-1");
            // nothing the caller sent is echoed back
            assertThat(response.headers().map().toString()).doesNotContain(TOKEN);
        }
        HttpResponse<String> ok = get(apiPort, "/presence/max");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().map().toString()).doesNotContain(TOKEN);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void beyondTheRateLimitItIs429WithRetryAfterAndRecovers() throws Exception {
        int sent = RATE * 5;
        int ok = 0;
        int limited = 0;
        long started = System.nanoTime();
        // all at once, so that even a slow machine sends them faster than the rate
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> responses = new java.util.ArrayList<>();
        for (int i = 0; i < sent; i++) {
            responses.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/presence/nobody"))
                    .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var future : responses) {
            HttpResponse<String> response = future.join();
            if (response.statusCode() == 429) {
                limited++;
                assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(response.body()).contains("too many requests");
            } else {
                // admitted: answered, or 503 when the API's own small pool had no connection free in time
                assertThat(response.statusCode()).isIn(404, 503);
                ok++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(limited).isPositive();
        // a burst of RATE, then RATE per second: never more than that got through
        assertThat(ok).isLessThanOrEqualTo((int) (RATE + RATE * seconds) + 1);
        // the bucket refills: answered again within a second
        await().atMost(Duration.ofSeconds(2)).until(() -> get(apiPort, "/presence/nobody").statusCode() == 404);
    }
}
