package io.presencebroker.lifecycle;

import java.util.List;

/**
 * What the lifecycle router decided for one event: the row updates it asks for, empty when it changes nothing. It is
 * the body at the end of the route; the consumer applies the row changes of a poll's events in one transaction.
 *
 * @param eventType      the event's type, for the counts
 * @param eventTimestamp the event's timestamp, for the lag from the event to the commit
 * @param rows           the ordering-safe updates, in any order
 */
public record RowChanges(String eventType, long eventTimestamp, List<RowUpdate> rows) {

    public RowChanges {
        rows = List.copyOf(rows);
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }
}
