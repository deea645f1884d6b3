package io.presencebroker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import io.presencebroker.check.RouteWiring;
import io.presencebroker.config.ContextServices;
import io.presencebroker.config.Settings;
import io.presencebroker.failure.CircuitBreaker;
import io.presencebroker.failure.FailurePolicy;
import io.presencebroker.health.AuthenticationFailures;
import io.presencebroker.health.DatabaseCredentialsHealthCheck;
import io.presencebroker.health.DatabaseHealthCheck;
import io.presencebroker.health.PresenceFreshness;
import io.presencebroker.health.SqsHealthCheck;
import io.presencebroker.metrics.EmfMetrics;
import io.presencebroker.metrics.Meters;
import io.presencebroker.metrics.PresenceMetrics;
import io.presencebroker.mqtt.ClientCertificate;
import io.presencebroker.mqtt.MqttPublisher;
import io.presencebroker.sqs.QueueMessages;
import io.presencebroker.sqs.QueueSender;
import io.presencebroker.sqs.SqsClients;
import io.presencebroker.sqs.SqsRequestMetrics;
import io.presencebroker.store.PresenceChangeMarks;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import software.amazon.awssdk.services.sqs.SqsClient;

import static io.presencebroker.config.ContextServices.bean;

/**
 * The beans every flow shares, camel-main style: one {@code @BindToRegistry} method per bean, its settings by
 * {@code @PropertyInject} (declared in settings.yaml), the beans it needs by parameter. Every bean is lazy: made when a
 * route (or another bean) first asks for it. The database pools are {@link DatabaseConfiguration}'s; each flow's own
 * beans are its package's configuration.
 */
public class ServiceConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("hotPathRoutes", new RouteWiring.HotPaths());
        EmfMetrics.install(context, Settings.of(context.getPropertiesComponent()), Meters.of(context),
                bean(context, "presenceMetrics", PresenceMetrics.class),
                bean(context, "lifecycleCircuitBreaker", CircuitBreaker.class));
    }

    @BindToRegistry(lazy = true)
    public SqsRequestMetrics sqsRequestMetrics(CamelContext context) {
        return new SqsRequestMetrics(Meters.of(context));
    }

    /** Autowired into every aws2-sqs endpoint. */
    @BindToRegistry(lazy = true)
    public SqsClient sqsClient(CamelContext context, @PropertyInject("presence.consumers") int consumers,
                               SqsRequestMetrics metrics) {
        return SqsClients.create(Settings.of(context.getPropertiesComponent()), consumers, metrics);
    }

    @BindToRegistry(lazy = true)
    public SqsHealthCheck sqsHealthCheck(SqsClient sqs, @PropertyInject("presence.events-queue") String queue) {
        return new SqsHealthCheck(sqs, queue);
    }

    /** How the database answered the service's logins (a rotated password): read by the health checks. */
    @BindToRegistry(lazy = true)
    public AuthenticationFailures authenticationFailures() {
        return new AuthenticationFailures();
    }

    @BindToRegistry(lazy = true)
    public DatabaseHealthCheck databaseHealthCheck(@BeanInject("presenceDataSource") DataSource dataSource) {
        return new DatabaseHealthCheck(dataSource);
    }

    /** Liveness DOWN when the database has refused the credentials for too long: ECS replaces the task. */
    @BindToRegistry(lazy = true)
    public DatabaseCredentialsHealthCheck databaseCredentialsHealthCheck(
            CamelContext context, AuthenticationFailures failures, @BeanInject("presenceDataSource") DataSource dataSource,
            @PropertyInject("presence.db.auth-failure-liveness-seconds") long windowSeconds) {
        return new DatabaseCredentialsHealthCheck(failures, dataSource, Duration.ofSeconds(windowSeconds),
                context.getExecutorServiceManager().newSingleThreadExecutor(this, "DatabaseCredentialsProbe"));
    }

    /** Events counted by type and outcome, across the flows (their failure steps count dead letters too). */
    @BindToRegistry(lazy = true)
    public PresenceMetrics presenceMetrics(CamelContext context) {
        return new PresenceMetrics(Meters.of(context));
    }

    /** The poison rule of the routes that use routes/error-handling.yaml (delivery): their commits vouch for them. */
    @BindToRegistry(lazy = true)
    public FailurePolicy failurePolicy(@PropertyInject("presence.poison.max-receives") int maxReceives) {
        return new FailurePolicy(maxReceives);
    }

    /** How far behind the presence data may be: the lifecycle consumer reports, the delivery decision asks. */
    @BindToRegistry(lazy = true)
    public PresenceFreshness presenceFreshness(@PropertyInject("presence.delivery.presence-max-lag-ms") long bound) {
        return new PresenceFreshness(bound);
    }

    /** The marks lifecycle transactions leave for the announcements flow (when it is on). */
    @BindToRegistry(lazy = true)
    public PresenceChangeMarks presenceChangeMarks(@PropertyInject("presence.announcements.enabled") boolean enabled) {
        return new PresenceChangeMarks(enabled);
    }

    /** The dead-letter route's send to the dead-letter queue (presence.dlq). */
    @BindToRegistry(lazy = true)
    public QueueSender deadLetterQueue(SqsClient sqs, @PropertyInject("presence.dlq") String dlq) {
        return new QueueSender(new QueueMessages(sqs, dlq));
    }

    /** TLS material for ssl:// broker URLs (AWS IoT: the client certificate in a key store); empty for tcp://. */
    @BindToRegistry(lazy = true)
    public Properties mqttSslProperties(CamelContext context) {
        return sslProperties(Settings.of(context.getPropertiesComponent()));
    }

    /** The MQTT connection every outbound publish goes through (deliveries, announcements); started and stopped with the context. */
    @BindToRegistry(lazy = true)
    public MqttPublisher mqttPublisher(CamelContext context, @BeanInject("mqttSslProperties") Properties ssl) {
        Settings props = Settings.of(context.getPropertiesComponent());
        String clientId = props.get("presence.delivery.mqtt.client-id");
        MqttPublisher publisher = new MqttPublisher(props.require("presence.mqtt.broker-url"),
                clientId.isBlank() ? "presence-delivery-" + UUID.randomUUID() : clientId,
                props.get("presence.mqtt.user-name"), props.get("presence.mqtt.password"), ssl,
                props.getLong("presence.delivery.mqtt.publish-timeout-ms"),
                props.getLong("presence.delivery.mqtt.reconnect-ms"));
        ContextServices.addService(context, publisher);
        return publisher;
    }

    static Properties sslProperties(Settings props) {
        Properties ssl = new Properties();
        String certificate = props.get("presence.mqtt.client-certificate");
        if (!certificate.isBlank()) {
            // PEM text from Secrets Manager (ECS): written as a key store under /tmp, the root filesystem being read-only
            ClientCertificate.KeyStoreFile store = ClientCertificate.write(certificate,
                    props.require("presence.mqtt.client-key"), Path.of(System.getProperty("java.io.tmpdir")));
            put(ssl, "com.ibm.ssl.keyStore", store.path().toString());
            put(ssl, "com.ibm.ssl.keyStorePassword", store.password());
            put(ssl, "com.ibm.ssl.keyStoreType", "PKCS12");
        } else {
            put(ssl, "com.ibm.ssl.keyStore", props.get("presence.mqtt.ssl.key-store"));
            put(ssl, "com.ibm.ssl.keyStorePassword", props.get("presence.mqtt.ssl.key-store-password"));
            put(ssl, "com.ibm.ssl.keyStoreType", ssl.isEmpty() ? "" : props.get("presence.mqtt.ssl.key-store-type"));
        }
        put(ssl, "com.ibm.ssl.trustStore", props.get("presence.mqtt.ssl.trust-store"));
        put(ssl, "com.ibm.ssl.trustStorePassword", props.get("presence.mqtt.ssl.trust-store-password"));
        return ssl;
    }

    private static void put(Properties p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.setProperty(key, value);
        }
    }
}
