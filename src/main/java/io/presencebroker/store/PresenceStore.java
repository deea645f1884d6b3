package io.presencebroker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import io.presencebroker.PresenceMetrics;
import io.presencebroker.announce.PresenceChanges;
import io.presencebroker.failure.ConsumerCircuitBreaker;
import io.presencebroker.failure.FailureClassifier;
import io.presencebroker.failure.DeadLetterSender;
import io.presencebroker.failure.FailurePolicy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies row updates to MySQL: all those of a polled batch in one transaction (updates in key order, so concurrent
 * batches lock rows in the same order), each as the conditional statements of {@link PresenceSql}. The UPDATEs of a
 * batch go in one JDBC batch; only rows that do not exist yet take the insert-if-absent and the UPDATE again.
 */
public class PresenceStore {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceStore.class);
    /** The key of the probe row of {@link #statementProblem()} (never committed). */
    static final String PROBE_ID = "presence-broker-probe";

    private final DataSource dataSource;
    private final long resetGapMillis;
    private final PresenceMetrics metrics;
    private final ConsumerCircuitBreaker breaker;
    private final DeadLetterSender deadLetters;
    private final FailurePolicy failures;
    private final PresenceChanges changes;

    public PresenceStore(DataSource dataSource, long resetGapMillis, PresenceChanges changes, PresenceMetrics metrics,
                         ConsumerCircuitBreaker breaker, DeadLetterSender deadLetters, FailurePolicy failures) {
        this.dataSource = dataSource;
        this.changes = changes;
        this.resetGapMillis = resetGapMillis;
        this.metrics = metrics;
        this.breaker = breaker;
        this.deadLetters = deadLetters;
        this.failures = failures;
    }

    /**
     * A {@link LifecycleBatch} ({@link PollBatches}): one transaction for the whole batch. An environment failure propagates
     * (retried, then the messages stay on the queue, and the circuit breaker hears of it); any other failure falls
     * back to one transaction per event, so that only the offending events are dead-lettered (their own fault, or a
     * poison message) or left on the queue (an unexpected failure not yet known to be the message's).
     */
    public void applyBatch(LifecycleBatch batch) throws Exception {
        List<RowUpdate> rows = batch.rows();
        boolean[] applied;
        try {
            applied = apply(rows);
            committed();
        } catch (Exception e) {
            if (FailureClassifier.isEnvironmental(e)) {
                breaker.failure(e);
                throw e;
            }
            applyOneByOne(batch);
            return;
        }
        int r = 0;
        for (LifecycleBatch.Item item : batch.updates()) {
            metrics.countApplied(item.eventType(), item.eventTimestamp(), any(applied, r, item.rows().size()));
            r += item.rows().size();
        }
    }

    private void applyOneByOne(LifecycleBatch batch) throws Exception {
        for (LifecycleBatch.Item item : batch.updates()) {
            try {
                boolean[] applied = apply(item.rows());
                committed();
                metrics.countApplied(item.eventType(), item.eventTimestamp(), any(applied, 0, applied.length));
            } catch (Exception e) {
                FailureClassifier.Kind kind = FailureClassifier.classify(e);
                if (kind == FailureClassifier.Kind.ENVIRONMENT) {
                    breaker.failure(e);
                    throw e;
                }
                if (kind == FailureClassifier.Kind.UNEXPECTED && !failures.isPoison(item.sqsAttributes())) {
                    LOG.warn("Unexpected failure applying message {}, left on the queue for redelivery: {}", item.messageId(), e.toString());
                    metrics.count(item.eventType(), "retry_later");
                    batch.leaveOnQueue(item);
                    continue;
                }
                deadLetters.send(item, e);
            }
        }
    }

    private void committed() {
        breaker.success();
        failures.committed();
    }

    /**
     * Runs the statements of an update on a probe row in a transaction that is rolled back: null when the database
     * would take them (reachable, writable, privileges, tables and columns as this version expects), else what is
     * wrong. The circuit breaker's probe: a consumer suspended by an environment fault resumes only once it is gone.
     */
    public String statementProblem() {
        List<RowUpdate> probe = List.of(
                new RowUpdate.Presence(PROBE_ID, PROBE_ID, true, 0, 0, PROBE_ID, null),
                new RowUpdate.Subscription(PROBE_ID, PROBE_ID, PROBE_ID, true, 0, PROBE_ID));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean[] applied = new boolean[2];
                upsert(c, probe, List.of(0), applied, PresenceSql.UPDATE_PRESENCE, PresenceSql.INSERT_PRESENCE);
                upsert(c, probe, List.of(1), applied, PresenceSql.UPDATE_SUBSCRIPTION, PresenceSql.INSERT_SUBSCRIPTION);
                return null;
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            return "the database refuses the service's statements (error " + e.getErrorCode() + "): " + e.getMessage();
        }
    }

    /** Route step for one event (the MQTT source): its updates in one transaction. */
    public void applyEvent(Exchange exchange) throws SQLException {
        LifecycleBatch.Item item = LifecycleBatch.item(exchange);
        if (!item.isUpdate()) {
            return; // ignored by the router, and counted there
        }
        boolean[] applied = apply(item.rows());
        failures.committed();
        metrics.countApplied(item.eventType(), item.eventTimestamp(), any(applied, 0, applied.length));
    }

    /** An event counts as applied when any of its rows changed. */
    private static boolean any(boolean[] applied, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (applied[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies the updates in one transaction; element i tells whether update i changed its row. The users whose
     * clients' presence changed are marked for the announcements flow in the same transaction ({@link PresenceChanges}).
     */
    public boolean[] apply(List<RowUpdate> updates) throws SQLException {
        boolean[] applied = new boolean[updates.size()];
        if (updates.isEmpty()) {
            return applied;
        }
        List<Integer> presence = new ArrayList<>();
        List<Integer> subscriptions = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < updates.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> updates.get(i).key()));
        for (int i : order) {
            (updates.get(i) instanceof RowUpdate.Presence ? presence : subscriptions).add(i);
        }
        return Transactions.inTransaction(dataSource, c -> {
            upsert(c, updates, presence, applied, PresenceSql.UPDATE_PRESENCE, PresenceSql.INSERT_PRESENCE);
            upsert(c, updates, subscriptions, applied, PresenceSql.UPDATE_SUBSCRIPTION, PresenceSql.INSERT_SUBSCRIPTION);
            changes.mark(c, changedUsers(updates, presence, applied));
            return applied;
        });
    }

    private static Set<String> changedUsers(List<RowUpdate> updates, List<Integer> presence, boolean[] applied) {
        Set<String> changed = new HashSet<>();
        for (int i : presence) {
            if (applied[i]) {
                changed.add(((RowUpdate.Presence) updates.get(i)).userId());
            }
        }
        return changed;
    }

    private void upsert(Connection c, List<RowUpdate> updates, List<Integer> indexes, boolean[] applied, String updateSql,
                        String insertSql) throws SQLException {
        if (indexes.isEmpty()) {
            return;
        }
        List<Integer> missing = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement(updateSql)) {
            for (int i : indexes) {
                bindUpdate(update, updates.get(i));
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int k = 0; k < indexes.size(); k++) {
                if (counts[k] > 0) {
                    applied[indexes.get(k)] = true;
                } else {
                    missing.add(indexes.get(k));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            // matched nothing: stale, or the row does not exist yet
            try (PreparedStatement insert = c.prepareStatement(insertSql)) {
                for (int i : missing) {
                    bindInsert(insert, updates.get(i));
                    if (insert.executeUpdate() > 0) {
                        applied[i] = true;
                    } else {
                        bindUpdate(update, updates.get(i));
                        applied[i] = update.executeUpdate() > 0;
                    }
                }
            }
        }
    }

    private void bindUpdate(PreparedStatement ps, RowUpdate u) throws SQLException {
        if (u instanceof RowUpdate.Presence p) {
            ps.setString(1, p.userId());
            ps.setBoolean(2, p.connected());
            ps.setLong(3, p.versionNumber());
            ps.setInt(4, p.rank());
            ps.setLong(5, p.timestamp());
            ps.setString(6, p.sessionId());
            ps.setString(7, p.disconnectReason());
            ps.setString(8, p.clientId());
            ps.setLong(9, p.timestamp());
            ps.setLong(10, resetGapMillis);
            ps.setLong(11, p.timestamp());
            ps.setLong(12, p.versionNumber());
            ps.setInt(13, p.rank());
            ps.setLong(14, p.timestamp());
            ps.setString(15, p.sessionId());
        } else if (u instanceof RowUpdate.Subscription s) {
            ps.setString(1, s.topic());
            ps.setBoolean(2, s.subscribed());
            ps.setInt(3, s.rank());
            ps.setLong(4, s.timestamp());
            ps.setString(5, s.sessionId());
            ps.setString(6, s.clientId());
            ps.setString(7, s.chatId());
            ps.setLong(8, s.timestamp());
            ps.setInt(9, s.rank());
            ps.setString(10, s.sessionId());
            ps.setString(11, s.topic());
        }
    }

    private static void bindInsert(PreparedStatement ps, RowUpdate u) throws SQLException {
        if (u instanceof RowUpdate.Presence p) {
            ps.setString(1, p.clientId());
            ps.setString(2, p.userId());
            ps.setBoolean(3, p.connected());
            ps.setLong(4, p.versionNumber());
            ps.setInt(5, p.rank());
            ps.setLong(6, p.timestamp());
            ps.setString(7, p.sessionId());
            ps.setString(8, p.disconnectReason());
        } else if (u instanceof RowUpdate.Subscription s) {
            ps.setString(1, s.clientId());
            ps.setString(2, s.chatId());
            ps.setString(3, s.topic());
            ps.setBoolean(4, s.subscribed());
            ps.setInt(5, s.rank());
            ps.setLong(6, s.timestamp());
            ps.setString(7, s.sessionId());
        }
    }
}
