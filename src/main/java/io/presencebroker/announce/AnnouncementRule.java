package io.presencebroker.announce;

/**
 * What a user's new presence does to its announcement row (docs/announcements.md): the rule behind the debounce.
 * The state subscribers will have seen, once what is being sent has arrived, is the baseline: the one being sent, else
 * the one last announced (null before the first announcement).
 */
public final class AnnouncementRule {

    /** The change to the row. */
    public enum Change {
        /** Nothing to do: the new state is already pending (from the same event), or is the baseline with nothing pending. */
        NONE,
        /** Back to the baseline before the pending state's time came (a flap): the pending announcement is dropped. */
        CANCEL,
        /**
         * A state that differs from the baseline and from what is pending, or the pending one from a newer event: it
         * becomes the pending announcement, its time counted from now.
         */
        PEND
    }

    private AnnouncementRule() {
    }

    /**
     * @param announced the state last announced, or null
     * @param sending   the state being sent now, or null
     * @param pending   the state waiting for its time, or null
     * @param pendingAt the time of the pending state ({@code user_presence.last_seen_at} when it became pending), or
     *                  null
     * @param online    the user's presence now ({@code user_presence.is_online})
     * @param at        its time now ({@code user_presence.last_seen_at})
     */
    public static Change next(Boolean announced, Boolean sending, Boolean pending, Long pendingAt, boolean online,
                              long at) {
        if (pending != null && pending == online) {
            // the same state, but from a newer event: the user was back in between (a return and a second
            // disconnect between two looks), so the pending one starts over, debounce and all
            return pendingAt != null && pendingAt == at ? Change.NONE : Change.PEND;
        }
        Boolean baseline = sending != null ? sending : announced;
        if (baseline != null && baseline == online) {
            return pending != null ? Change.CANCEL : Change.NONE;
        }
        return Change.PEND;
    }
}
