package io.presencebroker.lifecycle;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.presencebroker.json.StrictJson;
import io.presencebroker.failure.InvalidEventException;
import io.presencebroker.config.RouteBean;
import io.presencebroker.store.StoreIds;
import io.presencebroker.routes.RouteStep;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Turns an SQS message body (the event JSON, or its base64 when the IoT Rule's SQS action has useBase64) into a
 * validated {@link LifecycleEvent}. Everything that cannot be applied is an {@link InvalidEventException} whose
 * message says what is wrong, for the dead-letter queue's reason attribute.
 */
@RouteBean
public class LifecycleEventParser {

    public static final int MAX_CLIENT_ID_LENGTH = 128;
    public static final int MAX_SESSION_LENGTH = 128;
    public static final int MAX_TOPIC_LENGTH = 256;
    public static final int MAX_REASON_LENGTH = 64;
    /** AWS IoT Core's quota of topic filters in one SUBSCRIBE (the default of presence.lifecycle.max-topics-per-event). */
    public static final int AWS_MAX_TOPICS_PER_SUBSCRIBE = 8;

    /** Header the parser sets: the event's type, what the router's {@code choice} tests. */
    public static final String EVENT_TYPE = "eventType";
    /** Header the parser sets: the event's client id (for filters in front of the router). */
    public static final String CLIENT_ID = "clientId";

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=\\r\\n]+");

    private final Clock clock;
    private final long maxFutureSkewMillis;
    private final int maxTopics;

    public LifecycleEventParser(Clock clock, long maxFutureSkewMillis) {
        this(clock, maxFutureSkewMillis, AWS_MAX_TOPICS_PER_SUBSCRIBE);
    }

    public LifecycleEventParser(Clock clock, long maxFutureSkewMillis, int maxTopics) {
        this.clock = clock;
        this.maxFutureSkewMillis = maxFutureSkewMillis;
        this.maxTopics = maxTopics;
    }

    /**
     * Route step: the body becomes the {@link LifecycleEvent}, and headers {@value #EVENT_TYPE} and {@value #CLIENT_ID}
     * say what it is. Nothing else is kept on the exchange: the consumer holds the message as received, for the
     * dead-letter queue.
     */
    @RouteStep(headers = {EVENT_TYPE, CLIENT_ID}, body = LifecycleEvent.class)
    public void parse(Exchange exchange) {
        Message in = exchange.getIn();
        LifecycleEvent event = read(in.getBody(String.class));
        in.setBody(event);
        in.setHeader(EVENT_TYPE, event.eventType());
        in.setHeader(CLIENT_ID, event.clientId());
    }

    /** The event in a message body, validated; an {@link InvalidEventException} says what is wrong. */
    public LifecycleEvent read(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidEventException("empty body");
        }
        String json = body.strip();
        if (!json.startsWith("{") && BASE64.matcher(json).matches()) {
            json = decodeBase64(json);
        }
        return validate(StrictJson.readObject(json));
    }

    private static String decodeBase64(String text) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text.replace("\r", "").replace("\n", ""));
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException("body is neither a JSON object nor base64: " + e.getMessage());
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidEventException("base64 body does not decode to UTF-8 text");
        }
        if (!decoded.strip().startsWith("{")) {
            throw new InvalidEventException("base64 body does not decode to a JSON object");
        }
        return decoded.strip();
    }

    private LifecycleEvent validate(JsonNode root) {
        if (isOtherAwsEvent(root)) {
            // registry, jobs and other AWS IoT events that share $aws/events/ (when an account turns them on):
            // AWS's own, well-formed, not ours to apply; counted as ignored, never dead-lettered
            return new LifecycleEvent(null, root.get("timestamp").longValue(), root.get("eventType").textValue(),
                    null, null, null, null);
        }
        String clientId = StoreIds.exact("clientId", requiredText(root, "clientId", MAX_CLIENT_ID_LENGTH));
        long timestamp = requiredLong(root, "timestamp");
        long now = clock.millis();
        if (timestamp < 0) {
            throw new InvalidEventException("timestamp is negative: " + timestamp);
        }
        if (timestamp > now + maxFutureSkewMillis) {
            throw new InvalidEventException("timestamp is further in the future than " + maxFutureSkewMillis + " ms: " + timestamp);
        }
        String eventType = requiredText(root, "eventType", 64);

        boolean presence = LifecycleEvent.isPresence(eventType);
        boolean subscription = LifecycleEvent.isSubscription(eventType);
        if (!presence && !subscription) {
            // connect_failed and types AWS may add later: well-formed enough to count, nothing to apply
            return new LifecycleEvent(clientId, timestamp, eventType, null, null, null, null);
        }
        String session = requiredText(root, "sessionIdentifier", MAX_SESSION_LENGTH);
        if (presence) {
            long version = requiredLong(root, "versionNumber");
            if (version < 0) {
                throw new InvalidEventException("versionNumber is negative: " + version);
            }
            String reason = null;
            if (LifecycleEvent.DISCONNECTED.equals(eventType)) {
                reason = optionalText(root, "disconnectReason", MAX_REASON_LENGTH);
            }
            return new LifecycleEvent(clientId, timestamp, eventType, session, version, reason, null);
        }
        return new LifecycleEvent(clientId, timestamp, eventType, session, null, null, topics(root));
    }

    /**
     * The envelope of the other AWS IoT event kinds on {@code $aws/events/} (registry: THING_EVENT, THING_TYPE_EVENT,
     * THING_GROUP_EVENT, ...; jobs: JOB, JOB_EXECUTION, ...): a textual eventType that is not a lifecycle type, a
     * textual eventId, a numeric timestamp, and no clientId. Lifecycle events carry no eventId.
     */
    static boolean isOtherAwsEvent(JsonNode root) {
        JsonNode type = root.get("eventType");
        JsonNode id = root.get("eventId");
        JsonNode ts = root.get("timestamp");
        return type != null && type.isTextual() && !type.textValue().isEmpty()
                && !LifecycleEvent.isPresence(type.textValue()) && !LifecycleEvent.isSubscription(type.textValue())
                && !"connect_failed".equals(type.textValue())
                && id != null && id.isTextual() && !id.textValue().isEmpty()
                && ts != null && ts.isIntegralNumber() && ts.canConvertToLong()
                && !root.has("clientId");
    }

    private List<String> topics(JsonNode root) {
        JsonNode node = root.get("topics");
        if (node == null || node.isNull()) {
            throw new InvalidEventException("topics is missing");
        }
        if (!node.isArray()) {
            throw new InvalidEventException("topics is not an array");
        }
        if (node.isEmpty()) {
            throw new InvalidEventException("topics is empty");
        }
        if (node.size() > maxTopics) {
            throw new InvalidEventException("topics has " + node.size() + " entries, more than the " + maxTopics
                    + " topic filters AWS IoT takes in one SUBSCRIBE (PRESENCE_LIFECYCLE_MAX_TOPICS_PER_EVENT)");
        }
        List<String> topics = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode topic = node.get(i);
            if (!topic.isTextual()) {
                throw new InvalidEventException("topics[" + i + "] is not a string");
            }
            String text = topic.textValue();
            if (text.isEmpty()) {
                throw new InvalidEventException("topics[" + i + "] is empty");
            }
            if (text.length() > MAX_TOPIC_LENGTH) {
                throw new InvalidEventException("topics[" + i + "] is longer than " + MAX_TOPIC_LENGTH + " characters");
            }
            if (hasControlCharacter(text) || hasLoneSurrogate(text)) {
                throw new InvalidEventException("topics[" + i + "] contains a control character or invalid Unicode");
            }
            topics.add(text);
        }
        return List.copyOf(topics);
    }

    private static String requiredText(JsonNode root, String field, int maxLength) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidEventException(field + " is missing");
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field + " is not a string");
        }
        String text = node.textValue();
        if (text.isEmpty()) {
            throw new InvalidEventException(field + " is empty");
        }
        checkText(field, text, maxLength);
        return text;
    }

    private static String optionalText(JsonNode root, String field, int maxLength) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field + " is not a string");
        }
        checkText(field, node.textValue(), maxLength);
        return node.textValue();
    }

    private static void checkText(String field, String text, int maxLength) {
        if (text.length() > maxLength) {
            throw new InvalidEventException(field + " is longer than " + maxLength + " characters (" + text.length() + ")");
        }
        if (hasControlCharacter(text)) {
            throw new InvalidEventException(field + " contains a control character");
        }
        if (hasLoneSurrogate(text)) {
            throw new InvalidEventException(field + " is not valid Unicode (unpaired surrogate)");
        }
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static long requiredLong(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidEventException(field + " is missing");
        }
        if (!node.isNumber()) {
            throw new InvalidEventException(field + " is not a number");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new InvalidEventException(field + " is not a whole number that fits 64 bits");
        }
        return node.longValue();
    }

    private static boolean hasControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
