package io.presencebroker.announce;

/**
 * What a user's new presence does to its announcement row (docs/announcements.md): the rule behind the debounce.
 * The state subscribers will have seen, once what is being sent has arrived, is the baseline: the one being sent, else
 * the one last announced (null before the first announcement).
 */
public final class AnnouncementRule {

    /** The change to the row. */
    public enum Change {
        /** Nothing to do: the new state is already pending, or is the baseline with nothing pending. */
        NONE,
        /** Back to the baseline before the pending state's time came (a flap): the pending announcement is dropped. */
        CANCEL,
        /** A state that differs from the baseline and from what is pending: it becomes the pending announcement. */
        PEND
    }

    private AnnouncementRule() {
    }

    /**
     * @param announced the state last announced, or null
     * @param sending   the state being sent now, or null
     * @param pending   the state waiting for its time, or null
     * @param online    the user's presence now ({@code user_presence.is_online})
     */
    public static Change next(Boolean announced, Boolean sending, Boolean pending, boolean online) {
        if (pending != null && pending == online) {
            return Change.NONE;
        }
        Boolean baseline = sending != null ? sending : announced;
        if (baseline != null && baseline == online) {
            return pending != null ? Change.CANCEL : Change.NONE;
        }
        return Change.PEND;
    }
}
