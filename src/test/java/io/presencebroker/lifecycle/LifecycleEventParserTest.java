package io.presencebroker.lifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import io.presencebroker.failure.InvalidEventException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleEventParserTest {

    static final long NOW = 1_764_151_300_000L;
    final LifecycleEventParser parser =
            new LifecycleEventParser(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), 86_400_000L);

    @Test
    void parsesAConnectedEvent() {
        LifecycleEvent e = parser.read(EventJson.connected("user-1", 1_764_151_200_123L, "s-1", 7));

        assertThat(e).isEqualTo(new LifecycleEvent("user-1", 1_764_151_200_123L, "connected", "s-1", 7L, null, null));
    }

    @Test
    void keepsAnUnknownDisconnectReasonAsItIs() {
        LifecycleEvent e = parser.read(EventJson.disconnected("user-1", NOW, "s-1", 7, "A_REASON_AWS_ADDS_LATER"));

        assertThat(e.disconnectReason()).isEqualTo("A_REASON_AWS_ADDS_LATER");
    }

    @Test
    void keepsEveryTopicOfASubscribeEvent() {
        LifecycleEvent e = parser.read(EventJson.subscription("subscribed", "u", NOW, "s",
                List.of("app/u/chat/1", "app/u/notifications", "app/u/chat/2")));

        assertThat(e.topics()).containsExactly("app/u/chat/1", "app/u/notifications", "app/u/chat/2");
    }

    @Test
    void decodesTheBase64BodyOfTheRuleUseBase64Option() {
        String json = EventJson.connected("user-1", NOW, "s-1", 7);
        String base64 = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));

        assertThat(parser.read(base64)).isEqualTo(parser.read(json));
    }

    @Test
    void acceptsUnknownEventTypesWithoutTheirFields() {
        LifecycleEvent e = parser.read("{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"something_new\"}");

        assertThat(e.isPresence()).isFalse();
        assertThat(e.isSubscription()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "registry thing event | `{\"eventType\":\"THING_EVENT\",\"eventId\":\"f5ae9b94\",\"timestamp\":1234567890123,\"operation\":\"CREATED\",\"accountId\":\"123456789012\",\"thingId\":\"b604f69c\",\"thingName\":\"MyThing\",\"versionNumber\":1,\"thingTypeName\":null,\"attributes\":{}}` | THING_EVENT",
        "jobs event           | `{\"eventType\":\"JOB\",\"eventId\":\"7364ffd1\",\"timestamp\":1234567890,\"operation\":\"completed\",\"jobId\":\"27450507\",\"status\":\"COMPLETED\"}` | JOB",
    })
    void otherAwsIotEventKindsAreWellFormedButNotLifecycleEvents(String name, String body, String type) {
        LifecycleEvent e = parser.read(body);

        assertThat(e.eventType()).isEqualTo(type);
        assertThat(e.isPresence()).isFalse();
        assertThat(e.isSubscription()).isFalse();
        assertThat(e.clientId()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "empty                 | ``                                                                      | empty body",
        "blank                 | `   `                                                                   | empty body",
        "not json              | `hello world`                                                           | not valid JSON",
        "truncated             | `{\"clientId\":\"u\"`                                                   | not valid JSON",
        "array                 | `[1]`                                                                   | not a JSON object",
        "number                | `42`                                                                    | base64",
        "duplicate key         | `{\"clientId\":\"u\",\"clientId\":\"v\"}`                               | not valid JSON",
        "trailing braces       | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"x\"}}}}`       | content after its JSON value",
        "two objects           | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"x\"} {}`       | content after its JSON value",
        "trailing word         | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"x\"} null`     | content after its JSON value",
        "lifecycle, no client  | `{\"eventId\":\"e\",\"timestamp\":1,\"eventType\":\"connected\"}`   | clientId is missing",
        "AWS-like, no eventId  | `{\"timestamp\":1,\"eventType\":\"THING_EVENT\"}`                     | clientId is missing",
        "missing clientId      | `{\"timestamp\":1,\"eventType\":\"x\"}`                                 | clientId is missing",
        "empty clientId        | `{\"clientId\":\"\",\"timestamp\":1,\"eventType\":\"x\"}`               | clientId is empty",
        "numeric clientId      | `{\"clientId\":5,\"timestamp\":1,\"eventType\":\"x\"}`                  | clientId is not a string",
        "newline in clientId   | `{\"clientId\":\"a\\nb\",\"timestamp\":1,\"eventType\":\"x\"}`          | clientId contains a control character",
        "missing timestamp     | `{\"clientId\":\"u\",\"eventType\":\"x\"}`                              | timestamp is missing",
        "string timestamp      | `{\"clientId\":\"u\",\"timestamp\":\"1\",\"eventType\":\"x\"}`          | timestamp is not a number",
        "fraction timestamp    | `{\"clientId\":\"u\",\"timestamp\":1.5,\"eventType\":\"x\"}`            | timestamp is not a whole number",
        "negative timestamp    | `{\"clientId\":\"u\",\"timestamp\":-1,\"eventType\":\"x\"}`             | timestamp is negative",
        "future timestamp      | `{\"clientId\":\"u\",\"timestamp\":99999999999999,\"eventType\":\"x\"}` | further in the future",
        "missing eventType     | `{\"clientId\":\"u\",\"timestamp\":1}`                                  | eventType is missing",
        "numeric eventType     | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":1}`                  | eventType is not a string",
        "missing session       | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"connected\",\"versionNumber\":1}` | sessionIdentifier is missing",
        "missing version       | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"connected\",\"sessionIdentifier\":\"s\"}` | versionNumber is missing",
        "string version        | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"disconnected\",\"sessionIdentifier\":\"s\",\"versionNumber\":\"7\"}` | versionNumber is not a number",
        "missing topics        | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"subscribed\",\"sessionIdentifier\":\"s\"}` | topics is missing",
        "empty topics          | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"subscribed\",\"sessionIdentifier\":\"s\",\"topics\":[]}` | topics is empty",
        "non-string topic      | `{\"clientId\":\"u\",\"timestamp\":1,\"eventType\":\"unsubscribed\",\"sessionIdentifier\":\"s\",\"topics\":[\"a\",null]}` | topics[1] is not a string",
        "garbage base64        | `3q2+7w==`                                                              | does not decode to UTF-8",
        "base64 of non-object  | `WzEsMl0=`                                                              | does not decode to a JSON object",
    })
    void rejectsInvalidInputWithAClearReason(String name, String body, String reason) {
        assertThatThrownBy(() -> parser.read(body))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsAClientIdLongerThan128Characters() {
        assertThatThrownBy(() -> parser.read(EventJson.connected("x".repeat(129), NOW, "s", 1)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("clientId is longer than 128");
        assertThat(parser.read(EventJson.connected("x".repeat(128), NOW, "s", 1)).clientId()).hasSize(128);
    }
}
