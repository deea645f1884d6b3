package io.presencebroker.store;

import java.util.Collections;

/**
 * The marks a lifecycle transaction leaves on the presence_announcement rows of the users whose clients it changed:
 * {@code marked_at} (the first mark, kept: it orders the announcements flow's looks) and {@code presence_changed_at}
 * (the latest: the offline debounce counts from it). Written by the lifecycle flow with its commit, read by the
 * announcements flow ({@code announce/PresenceChanges}): the table is the contract between the two, so it lives here.
 */
public final class PresenceChangeMarks {

    private static final String ENSURE_MARKED = "INSERT INTO presence_announcement"
            + " (user_id, marked_at, presence_changed_at) VALUES %s"
            + " ON DUPLICATE KEY UPDATE marked_at = COALESCE(marked_at, NOW(3)), presence_changed_at = NOW(3)";

    private final boolean enabled;

    /** @param enabled presence.announcements.enabled: when false, lifecycle transactions mark nothing */
    public PresenceChangeMarks(boolean enabled) {
        this.enabled = enabled;
    }

    public static PresenceChangeMarks disabled() {
        return new PresenceChangeMarks(false);
    }

    /** Whether lifecycle transactions mark their users. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The statement that deletes the announcement rows of {@code users} users none of whose clients is left (retention:
     * lifecycle/PresenceRetention) and that have nothing to announce: no mark, nothing pending or being sent. Their
     * ids are its parameters. A user who comes back starts a new row; its announcements' sequence numbers go on above
     * the old ones (they are floored at the claim's time, announce/PresenceAnnouncer).
     */
    public static String forgetStatement(int users) {
        return "DELETE FROM presence_announcement WHERE user_id IN (" + SqlLists.placeholders(users) + ")"
                + " AND marked_at IS NULL AND pending_online IS NULL AND sending_online IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM client_presence p WHERE p.user_id = presence_announcement.user_id)";
    }

    /**
     * The statement that marks {@code users} users, their ids its parameters in user id order (so two transactions
     * never wait for each other in a cycle): for a lifecycle transaction that sends it together with its commit.
     */
    public String markStatement(int users) {
        return ENSURE_MARKED.formatted(String.join(", ", Collections.nCopies(users, "(?, NOW(3), NOW(3))")));
    }
}
