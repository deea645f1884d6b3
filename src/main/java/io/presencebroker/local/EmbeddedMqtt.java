package io.presencebroker.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stand-in for AWS IoT Core's MQTT broker: HiveMQ Community Edition in this JVM, MQTT 5 on 127.0.0.1 on a
 * free port, its data in a temporary folder deleted on {@link #close()}. Used by the {@code local} and {@code demo}
 * commands and the delivery tests; never started by a production run.
 */
public final class EmbeddedMqtt implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMqtt.class);

    /**
     * A second listener with mutual TLS, as AWS IoT Core requires: the broker's key store, and the trust store whose
     * certificates a client must present (client authentication REQUIRED). Key stores in a format the JDK reads (PKCS12).
     */
    public record TlsListener(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {
    }

    private final Path home;
    private final int port;
    private final TlsListener tls;
    private final int tlsPort;
    /** The broker's MQTT 5 Receive Maximum: the QoS 1 publishes a client may have in flight to it (default 10). */
    private final int receiveMaximum;
    private EmbeddedHiveMQ hivemq;
    private volatile PublishService publishService;

    private EmbeddedMqtt(Path home, int port, TlsListener tls, int tlsPort, int receiveMaximum) {
        this.home = home;
        this.port = port;
        this.tls = tls;
        this.tlsPort = tlsPort;
        this.receiveMaximum = receiveMaximum;
    }

    /** Starts a broker on a free loopback port. */
    public static EmbeddedMqtt start() {
        return start(null);
    }

    /** As {@link #start()}, plus a mutual-TLS listener on another free port ({@link #tlsBrokerUrl()}) when tls is given. */
    public static EmbeddedMqtt start(TlsListener tls) {
        return start(tls, 10);
    }

    /** As {@link #start()}, with this Receive Maximum: a client's publishes past it are refused. */
    public static EmbeddedMqtt startWithReceiveMaximum(int receiveMaximum) {
        return start(null, receiveMaximum);
    }

    private static EmbeddedMqtt start(TlsListener tls, int receiveMaximum) {
        try {
            EmbeddedMqtt mqtt = new EmbeddedMqtt(Files.createTempDirectory("presence-hivemq"), freePort(), tls,
                    tls == null ? -1 : freePort(), receiveMaximum);
            mqtt.startBroker();
            return mqtt;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded MQTT broker did not start", e);
        }
    }

    private void startBroker() throws IOException {
        long started = System.nanoTime();
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>%s
                  </listeners>
                  <mqtt><receive-maximum><server-receive-maximum>%d</server-receive-maximum></receive-maximum></mqtt>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, tlsListenerXml(), receiveMaximum));
        hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                // HiveMQ would reconfigure logback; this service logs through log4j2 (logback is excluded)
                .withoutLoggingBootstrap()
                .withEmbeddedExtension(EmbeddedExtension.builder()
                        .withId("presence-broker-local").withName("broker-side publishes").withVersion("1")
                        .withAuthor("presence-broker").withPriority(0).withStartPriority(1000)
                        .withExtensionMain(new ExtensionMain() {
                            @Override
                            public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
                                publishService = Services.publishService();
                            }

                            @Override
                            public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
                                publishService = null;
                            }
                        }).build())
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("embedded MQTT broker did not start: " + e.getMessage(), e);
        }
        LOG.info("Embedded MQTT 5 broker (HiveMQ CE) at {} started in {} ms", brokerUrl(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Stops the broker (its clients are disconnected); {@link #restart()} brings it back on the same port. */
    public void stop() {
        if (hivemq != null) {
            try {
                hivemq.stop().get(30, TimeUnit.SECONDS);
                hivemq.close();
            } catch (Exception e) {
                LOG.warn("embedded MQTT broker did not stop cleanly: {}", e.getMessage());
            }
            hivemq = null;
        }
    }

    public void restart() {
        stop();
        try {
            startBroker();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes as the broker itself, the way AWS IoT Core publishes its lifecycle events: MQTT clients may not publish
     * to topics starting with {@code $} (HiveMQ disconnects them, as AWS IoT does), but the broker may.
     */
    public void publishAsBroker(String topic, String payload) {
        PublishService service = publishService;
        if (service == null) {
            throw new IllegalStateException("embedded MQTT broker is not running");
        }
        try {
            service.publish(Builders.publish().topic(topic).qos(Qos.AT_LEAST_ONCE)
                    .payload(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8))).build()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("broker-side publish to " + topic + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The settings that turn delivery, the MQTT lifecycle source and the read API on against this broker and the
     * embedded queues (created here): the {@code local} and {@code demo} commands.
     */
    public Map<String, String> localProperties(EmbeddedServices services) {
        services.createQueues("presence-outbox", "presence-outbox-dlq");
        services.createQueues("presence-push", "presence-push-dlq");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("presence.mqtt.broker-url", brokerUrl());
        props.put("presence.delivery.enabled", "true");
        props.put("presence.outbox-queue", "presence-outbox");
        props.put("presence.push-queue", "presence-push");
        props.put("presence.mqtt.lifecycle.enabled", "true");
        props.put("presence.api.enabled", "true");
        return props;
    }

    private String tlsListenerXml() {
        if (tls == null) {
            return "";
        }
        return """

                    <tls-tcp-listener>
                      <port>%d</port><bind-address>127.0.0.1</bind-address>
                      <tls>
                        <keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore>
                        <truststore><path>%s</path><password>%s</password></truststore>
                        <client-authentication-mode>REQUIRED</client-authentication-mode>
                      </tls>
                    </tls-tcp-listener>""".formatted(tlsPort, tls.keyStore().toAbsolutePath(), tls.keyStorePassword(),
                tls.keyStorePassword(), tls.trustStore().toAbsolutePath(), tls.trustStorePassword());
    }

    public String brokerUrl() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The mutual-TLS listener ({@link #start(TlsListener)}). */
    public String tlsBrokerUrl() {
        if (tls == null) {
            throw new IllegalStateException("started without a TLS listener");
        }
        return "ssl://127.0.0.1:" + tlsPort;
    }

    public int port() {
        return port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", home, e.getMessage());
        }
    }
}
