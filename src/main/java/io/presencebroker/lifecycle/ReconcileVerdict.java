package io.presencebroker.lifecycle;

import java.util.regex.Pattern;

/**
 * What one client's stored presence and AWS IoT's connectivity record for it say together (docs/reconciliation.md):
 * a repair only where the record proves the store missed a disconnect, a reported disagreement where it does not.
 *
 * @param outcome what was found (the label of presence_reconcile_total)
 * @param repair  the disconnect to apply, for {@link Outcome#REPAIRED} only
 * @param detail  one line for the operator
 */
public record ReconcileVerdict(Outcome outcome, RowUpdate.Presence repair, String detail) {

    /** AWS IoT's thing names (GetThingConnectivityData's thingName): a client id outside it has no record to ask for. */
    static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    public enum Outcome {
        /** The record says what the store says. */
        AGREES(false),
        /** Stored connected; the record proves a later disconnect: applied as a disconnect event would be. */
        REPAIRED(false),
        /** Stored connected; the record's disconnect is not later than the store's last event: the store is newer. */
        STORE_NEWER(false),
        /**
         * Stored connected, the record disconnected but proving nothing about the store's connection: no time and no
         * reason while the stored connect is less than an hour old (a thing AWS did not track when it connected), or
         * DUPLICATE_CLIENTID (the record's connection was replaced by a newer one of the same client, which may be the
         * store's).
         */
        UNPROVABLE(true),
        /** Both connected, the record's connection later than the store's: a connect event was missed (session unknown). */
        NEWER_CONNECTION(true),
        /** Stored disconnected, the record connected later: a connect event was missed (session and chats unknown). */
        MISSED_CONNECT(true),
        /** No record for this client (no thing of that name, or a client id that cannot be a thing name). */
        NOT_COVERED(false),
        /** The request failed (after the SDK's retries): nothing known, nothing changed. */
        FAILED(false);

        private final boolean disagreement;

        Outcome(boolean disagreement) {
            this.disagreement = disagreement;
        }

        /** The label of presence_reconcile_total and of the lines printed: the name in lower case. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** A disagreement that is reported and counted, not repaired: a lifecycle event is missing and cannot be made up. */
        public boolean unrepairable() {
            return disagreement;
        }
    }

    /** A client's row as the store holds it. */
    public record Stored(String clientId, String userId, boolean connected, long versionNumber, long eventTs,
                         String sessionId) {
    }

    /**
     * AWS IoT's record of a client (GetThingConnectivityData).
     *
     * @param found            false: the thing does not exist (ResourceNotFoundException)
     * @param timestamp        epoch millis of the last connect or disconnect; null when AWS no longer has it (a thing
     *                         disconnected for about an hour or more)
     * @param disconnectReason null when AWS gives none
     * @param askedAt          epoch millis of the answer (this instance's clock; only compared with an hour)
     */
    public record Record(boolean found, boolean connected, Long timestamp, String disconnectReason, long askedAt) {

        public static Record notFound(long askedAt) {
            return new Record(false, false, null, null, askedAt);
        }
    }

    static final String DUPLICATE_CLIENTID = "DUPLICATE_CLIENTID";

    public static boolean askable(String clientId) {
        return THING_NAME.matcher(clientId).matches();
    }

    /**
     * How long AWS keeps a disconnected thing's time and reason (about an hour, after which it may drop them): a record
     * without either can only be of a disconnect after a stored connect older than this.
     */
    static final long RECORD_KEPT_MILLIS = 3_600_000L;

    /** The reasons that say nothing about why a connection ended (AWS's placeholders). */
    static final java.util.Set<String> NO_REASON = java.util.Set.of("UNKNOWN", "NONE");

    /**
     * The verdict on one client. A repair is the disconnect of the connection the store holds (its version and
     * session) at the record's time; when AWS no longer gives the time (a disconnect about an hour old), one millisecond
     * after the store's last event: the disconnect came after it, and that time keeps the ordering rule's protection of
     * every later connection (a reconnect within the version-reset gap of it cannot have a reset version, and one after
     * the gap is later by time). Without time and reason, only when the stored connect is older than
     * {@link #RECORD_KEPT_MILLIS}: a younger one cannot be the connection of a disconnect AWS has forgotten the details
     * of, so AWS does not know the stored connection at all (a thing not tracked when it connected). It goes through the same conditional update as an
     * event, so an event the store applied meanwhile (a reconnect) wins over it, and it over nothing newer.
     */
    public static ReconcileVerdict decide(Stored stored, Record record) {
        if (!record.found()) {
            return new ReconcileVerdict(Outcome.NOT_COVERED, null, "AWS IoT has no thing named " + stored.clientId());
        }
        Long at = record.timestamp();
        String reason = record.disconnectReason();
        if (stored.connected() && !record.connected()) {
            if (DUPLICATE_CLIENTID.equals(reason)) {
                return new ReconcileVerdict(Outcome.UNPROVABLE, null, "AWS IoT's last disconnect is DUPLICATE_CLIENTID:"
                        + " that connection was replaced by a newer one of the same client");
            }
            if (at == null && (reason == null || NO_REASON.contains(reason))
                    && stored.eventTs() > record.askedAt() - RECORD_KEPT_MILLIS) {
                return new ReconcileVerdict(Outcome.UNPROVABLE, null, "AWS IoT says disconnected with no time and no"
                        + " reason, and the stored connect is less than an hour old: not a record of that connection");
            }
            reason = reason == null || NO_REASON.contains(reason) ? null : reason;
            long when = at != null ? at : stored.eventTs() + 1;
            if (when <= stored.eventTs()) {
                return new ReconcileVerdict(Outcome.STORE_NEWER, null, "AWS IoT's disconnect at " + when
                        + " is not later than the stored connect at " + stored.eventTs());
            }
            RowUpdate.Presence repair = new RowUpdate.Presence(stored.clientId(), stored.userId(), false,
                    stored.versionNumber(), when, stored.sessionId(), reason, true);
            return new ReconcileVerdict(Outcome.REPAIRED, repair, "stored connected since " + stored.eventTs()
                    + ", AWS IoT says disconnected " + (at != null ? "at " + at : "(no time given)") + (reason != null ? " (" + reason + ")" : ""));
        }
        if (record.connected() && at != null && at > stored.eventTs()) {
            return stored.connected()
                    ? new ReconcileVerdict(Outcome.NEWER_CONNECTION, null, "AWS IoT has a connection from " + at
                            + ", the store one from " + stored.eventTs() + ": its connected event is missing")
                    : new ReconcileVerdict(Outcome.MISSED_CONNECT, null, "stored disconnected at " + stored.eventTs()
                            + ", AWS IoT says connected since " + at + ": its connected event is missing");
        }
        if (record.connected() && !stored.connected()) {
            // connected with no time, or a connection older than the stored disconnect: the record lags the store
            return new ReconcileVerdict(Outcome.STORE_NEWER, null, "AWS IoT's connection is not later than the stored"
                    + " disconnect at " + stored.eventTs());
        }
        return new ReconcileVerdict(Outcome.AGREES, null, stored.connected() ? "connected" : "disconnected");
    }
}
