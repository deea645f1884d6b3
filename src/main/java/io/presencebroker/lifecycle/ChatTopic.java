package io.presencebroker.lifecycle;

import io.presencebroker.failure.InvalidEventException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which topics are chat topics, and their chat id: a regular expression (property {@code presence.chat-topic.pattern})
 * whose first group is the chat id. The default, {@code app/{user}/chat/{chatId}[/...]}, takes topics whose third
 * segment is {@code chat}; wildcard filters ({@code +}, {@code #}) never match.
 */
public class ChatTopic {

    private final Pattern pattern;

    public ChatTopic(String regex) {
        this.pattern = Pattern.compile(regex);
        if (pattern.matcher("").groupCount() < 1) {
            throw new IllegalArgumentException("presence.chat-topic.pattern needs a group for the chat id: " + regex);
        }
    }

    /** The chat id of a chat topic; an {@link InvalidEventException} for a topic that is not one. */
    public String chatId(String topic) {
        String chatId = chatIdOrNull(topic);
        if (chatId == null) {
            throw new InvalidEventException("not a chat topic: " + topic);
        }
        return chatId;
    }

    /** The chat id of a chat topic, or null for a topic that is not one (the pattern is compiled once, here). */
    public String chatIdOrNull(String topic) {
        Matcher m = pattern.matcher(topic);
        return m.matches() && m.group(1) != null && !m.group(1).isEmpty() ? m.group(1) : null;
    }
}
