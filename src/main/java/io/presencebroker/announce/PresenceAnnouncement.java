package io.presencebroker.announce;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One announcement of a transition of {@code user_presence}, as sent: {@code {"userId", "online", "at",
 * "clientsOnline", "sequence"}} (docs/announcements.md). The sequence number counts the user's announcements in the
 * order they were claimed (a resend has the number of the one it repeats): the one with the highest is the user's
 * latest state, whatever the order they arrive in. The claim it was taken with is not part of the message.
 */
@JsonPropertyOrder({"userId", "online", "at", "clientsOnline", "sequence"})
public final class PresenceAnnouncement {

    private final String userId;
    private final boolean online;
    private final long at;
    private final int clientsOnline;
    private final long sequence;
    private final String claimId;

    /**
     * @param at      the transition's time, epoch milliseconds: the latest connect when online, the latest disconnect
     *                when offline ({@code user_presence.last_seen_at})
     * @param sequence the user's sequence number of this announcement
     * @param claimId the claim under which this instance sends it
     */
    public PresenceAnnouncement(String userId, boolean online, long at, int clientsOnline, long sequence,
                                String claimId) {
        this.userId = userId;
        this.online = online;
        this.at = at;
        this.clientsOnline = clientsOnline;
        this.sequence = sequence;
        this.claimId = claimId;
    }

    public long getSequence() {
        return sequence;
    }

    public String getUserId() {
        return userId;
    }

    public boolean isOnline() {
        return online;
    }

    public long getAt() {
        return at;
    }

    public int getClientsOnline() {
        return clientsOnline;
    }

    @JsonIgnore
    public String getClaimId() {
        return claimId;
    }

    @Override
    public String toString() {
        return userId + (online ? " online" : " offline") + " at " + at + " #" + sequence;
    }
}
