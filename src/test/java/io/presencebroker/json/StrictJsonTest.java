package io.presencebroker.json;

import io.presencebroker.delivery.OutboxMessageParser;
import io.presencebroker.failure.InvalidEventException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exactly one JSON object per body, for the lifecycle parser, the outbox parser and the replay tool alike. */
class StrictJsonTest {

    static final String OUTBOX = "{\"messageId\":\"m-1\",\"chatId\":\"17\",\"senderId\":\"bob\",\"recipients\":[\"alice\"],"
            + "\"payload\":{\"text\":\"hi\"},\"push\":{\"title\":\"bob\"}}";

    @ParameterizedTest
    @ValueSource(strings = {"}}}", "}", " {}", "[]", " null", "x", "\"tail\""})
    void anythingAfterTheObjectMakesTheBodyInvalid(String tail) {
        assertThatThrownBy(() -> StrictJson.readObject("{\"a\":1}" + tail))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("content after its JSON value");
        assertThat(StrictJson.objectOrNull("{\"a\":1}" + tail)).isNull();
    }

    @Test
    void oneObjectWithSurroundingWhitespaceIsRead() {
        assertThat(StrictJson.readObject("  {\"a\":1}\n").get("a").intValue()).isEqualTo(1);
    }

    @Test
    void duplicateKeysAndNonObjectsAreInvalid() {
        assertThatThrownBy(() -> StrictJson.readObject("{\"a\":1,\"a\":2}")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> StrictJson.readObject("[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> StrictJson.readObject(" ")).hasMessageContaining("empty body");
    }

    @Test
    void theOutboxParserRefusesTrailingContentToo() {
        OutboxMessageParser parser = new OutboxMessageParser(10);
        assertThat(parser.parse(OUTBOX).messageId()).isEqualTo("m-1");
        assertThatThrownBy(() -> parser.parse(OUTBOX + "}}}"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("content after its JSON value");
    }
}
