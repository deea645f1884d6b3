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

import com.fasterxml.jackson.databind.ObjectMapper;
import io.presencebroker.event.EventJson;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.ServiceTestSupport;
import io.presencebroker.testing.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /presence/{clientId} on the embedded HTTP server, beside the management server on its own port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceApiTest extends ServiceTestSupport {

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
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
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
    void unknownClientIs404() throws Exception {
        HttpResponse<String> response = get(apiPort, "/presence/" + URLEncoder.encode("nobody o'brien", StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("unknown client");
    }

    @Test
    void managementServerKeepsServingOnItsOwnPort() throws Exception {
        assertThat(get(managementPort, "/observe/health").statusCode()).isIn(200, 503);
        assertThat(get(apiPort, "/observe/health").statusCode()).isEqualTo(404);
    }
}
