package io.presencebroker.json;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.presencebroker.failure.InvalidEventException;

/**
 * The one JSON reading configuration of the service, shared by the lifecycle event parser, the outbox parser and the
 * replay tool: a body is exactly one JSON object, with no duplicate keys and nothing after it ({@code {...}}}} } is
 * invalid, not the object before the junk).
 */
public final class StrictJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private StrictJson() {
    }

    /** The body's single JSON object; an {@link InvalidEventException} that says what is wrong otherwise. */
    public static JsonNode readObject(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidEventException("empty body");
        }
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(text)) {
            root = MAPPER.readTree(parser);
            if (root != null && hasMore(parser)) {
                throw new InvalidEventException("body has content after its JSON value (exactly one JSON object per body)");
            }
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidEventException("body is not readable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("body is not a JSON object");
        }
        return root;
    }

    private static boolean hasMore(JsonParser parser) {
        try {
            return parser.nextToken() != null;
        } catch (IOException e) {
            return true; // what follows is not even a token: still something after the value
        }
    }

    /** As {@link #readObject}, or null for anything that is not exactly one JSON object (the replay tool's filters). */
    public static JsonNode objectOrNull(String text) {
        try {
            return readObject(text);
        } catch (InvalidEventException e) {
            return null;
        }
    }
}
