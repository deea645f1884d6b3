package io.presencebroker.lifecycle;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Lifecycle events in AWS IoT's JSON shapes, for the demo, the tests and the benchmark's traffic generator. */
public final class EventJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PRINCIPAL = "AIDAEXAMPLEPRINCIPAL:CognitoIdentityCredentials";

    private EventJson() {
    }

    public static String connected(String clientId, long timestamp, String session, long version) {
        ObjectNode n = base(clientId, timestamp, LifecycleEvent.CONNECTED, session);
        n.put("ipAddress", "203.0.113.17");
        n.put("versionNumber", version);
        return n.toString();
    }

    public static String disconnected(String clientId, long timestamp, String session, long version, String reason) {
        ObjectNode n = base(clientId, timestamp, LifecycleEvent.DISCONNECTED, session);
        n.put("clientInitiatedDisconnect", "CLIENT_INITIATED_DISCONNECT".equals(reason));
        n.put("disconnectReason", reason);
        n.put("versionNumber", version);
        return n.toString();
    }

    public static String subscription(String eventType, String clientId, long timestamp, String session, List<String> topics) {
        ObjectNode n = base(clientId, timestamp, eventType, session);
        ArrayNode array = n.putArray("topics");
        topics.forEach(array::add);
        return n.toString();
    }

    public static String connectFailed(String clientId, long timestamp, String session) {
        ObjectNode n = base(clientId, timestamp, "connect_failed", session);
        n.put("connectFailureReason", "AUTHORIZATION_FAILED");
        n.put("ipAddress", "203.0.113.17");
        return n.toString();
    }

    private static ObjectNode base(String clientId, long timestamp, String eventType, String session) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("clientId", clientId);
        n.put("timestamp", timestamp);
        n.put("eventType", eventType);
        n.put("sessionIdentifier", session);
        n.put("principalIdentifier", PRINCIPAL);
        return n;
    }
}
