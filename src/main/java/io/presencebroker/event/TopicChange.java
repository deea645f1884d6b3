package io.presencebroker.event;

/**
 * One topic of a subscribed or unsubscribed event, routed on its own: the lifecycle router's {@code split} walks
 * {@link LifecycleEvent#topicChanges()} and decides per topic whether it is a chat topic.
 *
 * @param event the (un)subscribe event
 * @param topic one of its topic filters
 */
public record TopicChange(LifecycleEvent event, String topic) {
}
