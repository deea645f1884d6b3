package io.presencebroker.lifecycle;

import java.util.regex.Pattern;

import io.presencebroker.failure.InvalidEventException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatTopicTest {

    /** The default declared in settings.yaml, which the YAML route uses as well. */
    static final String DEFAULT = "^[^/+#]+/[^/+#]+/chat/([^/+#]+)(/[^+#]*)?$";
    final ChatTopic chatTopic = new ChatTopic(DEFAULT);

    @ParameterizedTest
    @CsvSource({
        "app/user-1/chat/17, 17",
        "app/user-1/chat/general, general",
        "app/user-1/chat/17/typing, 17",
        "app/user-1/chat/a'b, a'b",
    })
    void takesTheFourthSegmentAsTheChatId(String topic, String chatId) {
        assertThat(chatTopic.chatId(topic)).isEqualTo(chatId);
        assertThat(Pattern.matches(DEFAULT, topic)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "app/user-1/notifications",
        "app/user-1/chat",
        "app/user-1/chat/",
        "app/user-1/chat/+",
        "app/+/chat/17",
        "app/user-1/chat/#",
        "app/user-1/chat/17/#",
        "chat/17",
        "app/user-1/group/17",
    })
    void otherTopicsAndWildcardFiltersAreNotChatTopics(String topic) {
        // the router's branch (LifecycleRows.chatSubscriptions) skips it; chatId refuses what it does not match
        assertThat(Pattern.matches(DEFAULT, topic)).isFalse();
        assertThat(chatTopic.chatIdOrNull(topic)).isNull();
        assertThatThrownBy(() -> chatTopic.chatId(topic)).isInstanceOf(InvalidEventException.class);
    }
}
