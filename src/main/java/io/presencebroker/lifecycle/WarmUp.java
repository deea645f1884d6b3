package io.presencebroker.lifecycle;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before the lifecycle consumer receives its first message: {@code polls} polls of ten made-up events parsed, turned
 * into row changes and run against the database in transactions that are rolled back, so that the JIT has compiled
 * the parser and the writer, the driver has parsed its statements and the pool is open when the real traffic comes
 * (a task started in a storm takes a full queue). Only chat topics and presence events are made up: nothing is
 * counted, nothing committed, and the route itself is not run (an operator's route may send to other endpoints).
 */
public final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    static final String CLIENT_PREFIX = "presence-broker-warm-up-";

    private final LifecycleEventParser parser;
    private final LifecycleRows rows;
    private final PresenceWriter writer;
    private final int polls;

    /**
     * @param polls presence.warm-up-polls; 0 for none
     */
    public WarmUp(LifecycleEventParser parser, LifecycleRows rows, PresenceWriter writer, int polls) {
        this.parser = parser;
        this.rows = rows;
        this.writer = writer;
        this.polls = polls;
    }

    /** Runs the warm-up; a failure (the database not there yet) is logged and cuts it short, never the start. */
    public void run() {
        if (polls <= 0) {
            return;
        }
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        try {
            for (int p = 0; p < polls; p++) {
                List<RowUpdate> poll = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String client = CLIENT_PREFIX + (p * 10 + i);
                    String json = i % 2 == 0 ? EventJson.connected(client, now, "warm-up", p)
                            : EventJson.subscription("subscribed", client, now, "warm-up", List.of("app/" + client + "/chat/w"));
                    LifecycleEvent event = parser.read(json);
                    poll.addAll((event.isPresence() ? rows.presence(event) : rows.chatSubscriptions(event)).rows());
                }
                writer.rehearse(poll);
            }
            LOG.info("Warm-up: {} polls of made-up events parsed and rolled back in {} ms", polls,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            LOG.warn("Warm-up cut short: {}", e.toString());
        }
    }
}
