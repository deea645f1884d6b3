package io.presencebroker.health;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.presencebroker.metrics.Meters;
import java.util.function.LongSupplier;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import io.presencebroker.config.Settings;
import io.presencebroker.sqs.SqsClients;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * On a refused login (error 1045 and the others of {@link AuthenticationFailures}), reads the login again from its
 * source ({@link DatabaseCredentials}: the Secrets Manager secret of {@code presence.db.secret-arn}) and, if it
 * changed, gives it to the pool: HikariCP uses it for every new connection (sessions already open stay as they are).
 * The next connection attempt then succeeds, and the service goes on without a restart. At most one read per
 * {@code presence.db.secret-refresh-interval-seconds}, on a thread of its own. When the source has nothing new (the
 * secret was not rotated, or cannot be read), nothing changes and the liveness path
 * ({@link DatabaseCredentialsHealthCheck}) still ends the task after its window.
 */
public final class CredentialRefresh {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialRefresh.class);

    private final HikariDataSource pool;
    private final DatabaseCredentials source;
    private final long minIntervalNanos;
    private final ExecutorService executor;
    private final LongSupplier nanoTime;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong lastRead = new AtomicLong();
    private final Counter refreshes;
    private volatile boolean everRead;

    public CredentialRefresh(HikariDataSource pool, DatabaseCredentials source, long minIntervalMillis,
                             ExecutorService executor, LongSupplier nanoTime, MeterRegistry meters) {
        this.pool = pool;
        this.source = source;
        this.minIntervalNanos = minIntervalMillis * 1_000_000;
        this.executor = executor;
        this.nanoTime = nanoTime;
        this.refreshes = Counter.builder("presence.db.credential.refreshes")
                .description("Changed database logins read from their source and given to the pool").register(meters);
    }

    /**
     * Wires the refresh when there is a source: a {@link DatabaseCredentials} bound in the registry, else the secret
     * of {@code presence.db.secret-arn}; none (the default), no refresh. Returns it, or null.
     */
    public static CredentialRefresh install(CamelContext context, Settings props, HikariDataSource pool,
                                            AuthenticationFailures failures) {
        DatabaseCredentials source = context.getRegistry().findSingleByType(DatabaseCredentials.class);
        String arn = props.get("presence.db.secret-arn");
        if (source == null && !arn.isBlank()) {
            SecretsManagerClient client = SqsClients.configure(SecretsManagerClient.builder(), props,
                    props.get("presence.secretsmanager.endpoint")).build();
            source = new SecretsManagerCredentials(client, arn, props.get("presence.db.user"));
            context.getRegistry().bind("databaseSecret", source);
        }
        if (source == null) {
            return null;
        }
        CredentialRefresh refresh = new CredentialRefresh(pool, source,
                props.getLong("presence.db.secret-refresh-interval-seconds") * 1000,
                context.getExecutorServiceManager().newSingleThreadExecutor(CredentialRefresh.class, "DatabaseCredentialRefresh"),
                System::nanoTime, Meters.of(context));
        failures.onRefusal(refresh::onRefusal);
        context.getRegistry().bind("databaseCredentialRefresh", refresh);
        LOG.info("A refused database login reads the credentials again from {}", arn.isBlank() ? source : arn);
        return refresh;
    }

    /** A login was refused: read the source again, unless that was done less than the interval ago. */
    public void onRefusal() {
        long now = nanoTime.getAsLong();
        if (everRead && now - lastRead.get() < minIntervalNanos) {
            return;
        }
        if (!running.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::refresh);
        } catch (RejectedExecutionException e) {
            running.set(false); // shutting down
        }
    }

    private void refresh() {
        try {
            lastRead.set(nanoTime.getAsLong());
            everRead = true;
            DatabaseCredentials.Login login = source.current();
            Credentials inUse = pool.getCredentials();
            if (Objects.equals(login.user(), inUse.getUsername()) && Objects.equals(login.password(), inUse.getPassword())) {
                LOG.warn("The database refuses the login, and its source has no other: nothing to refresh");
                return;
            }
            pool.setCredentials(Credentials.of(login.user(), login.password()));
            refreshes.increment();
            LOG.info("Database login refreshed from its source (user {}): new connections use it", login.user());
        } catch (Exception e) {
            LOG.warn("The database login could not be read again: {}", e.getMessage());
        } finally {
            running.set(false);
        }
    }
}
