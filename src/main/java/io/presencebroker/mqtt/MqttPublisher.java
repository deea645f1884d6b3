package io.presencebroker.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.camel.Service;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one MQTT 5 connection for what it publishes: deliveries and presence announcements. Every outbound
 * publish goes through it, at QoS 1, as many in flight as the broker's Receive Maximum allows. Unlike an endpoint-owned client it never blocks or fails the start: it connects in the background,
 * retries until the broker answers, then reconnects automatically. While it is not connected a publish fails at once
 * and the route falls back to push, so a broker outage costs push notifications, never messages.
 */
public class MqttPublisher implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(MqttPublisher.class);

    private final InFlightLimitedClient client;
    private final MqttConnectionOptions options;
    private final long retryMillis;
    private ScheduledExecutorService connector;

    public MqttPublisher(String brokerUrl, String clientId, String userName, String password, Properties ssl,
                         long publishTimeoutMillis, long retryMillis) {
        try {
            this.client = new InFlightLimitedClient(brokerUrl, clientId);
        } catch (MqttException e) {
            throw new IllegalArgumentException("invalid MQTT broker URL " + brokerUrl + ": " + e.getMessage(), e);
        }
        client.setTimeToWait(publishTimeoutMillis);
        options = new MqttConnectionOptions();
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay((int) Math.max(1000, retryMillis));
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        if (userName != null && !userName.isBlank()) {
            options.setUserName(userName);
            if (password != null) {
                options.setPassword(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        if (ssl != null && !ssl.isEmpty()) {
            options.setSSLProperties(ssl);
        }
        this.retryMillis = retryMillis;
    }

    public MqttClient client() {
        return client;
    }

    /**
     * Starts a QoS 1 publish and returns at once with its token (many are in flight together, within the broker's
     * Receive Maximum); a slot is waited for until {@code deadlineNanos} (System.nanoTime). Throws when it cannot start
     * (not connected, no slot by the deadline).
     */
    IMqttToken start(String topic, MqttMessage message, long deadlineNanos) throws MqttException {
        return client.start(topic, message, deadlineNanos);
    }

    /** One QoS 1 publish of {@link #publishAll}. */
    public record Publish(String topic, MqttMessage message) {
    }

    /**
     * Publishes these at QoS 1, all in flight together within the broker's Receive Maximum, and waits for them: the
     * waits for a slot share one publish timeout (a broker that stops acknowledging fails the rest at once, not a
     * timeout each), and each PUBACK is awaited for the publish timeout from its start. Returns, by position, the
     * failure of each publish that did not succeed (not connected, no slot, no PUBACK in time), null for the others.
     */
    public List<Exception> publishAll(List<Publish> publishes) {
        long timeout = TimeUnit.MILLISECONDS.toNanos(publishTimeoutMillis());
        long slotDeadline = System.nanoTime() + timeout;
        List<Exception> failures = new ArrayList<>(Collections.nCopies(publishes.size(), null));
        IMqttToken[] tokens = new IMqttToken[publishes.size()];
        long[] deadlines = new long[publishes.size()];
        for (int i = 0; i < publishes.size(); i++) {
            publishes.get(i).message().setQos(1);
            try {
                tokens[i] = start(publishes.get(i).topic(), publishes.get(i).message(), slotDeadline);
                deadlines[i] = System.nanoTime() + timeout;
            } catch (Exception e) {
                failures.set(i, e);
            }
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] != null) {
                try {
                    tokens[i].waitForCompletion(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlines[i] - System.nanoTime())));
                } catch (Exception e) {
                    failures.set(i, e);
                }
            }
        }
        return failures;
    }

    /** How long a publish may take, from its wait for a slot to its PUBACK (presence.delivery.mqtt.publish-timeout-ms). */
    public long publishTimeoutMillis() {
        return client.getTimeToWait();
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void start() {
        connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-publisher-connect");
            t.setDaemon(true);
            return t;
        });
        connector.execute(this::connect);
    }

    private void connect() {
        try {
            IMqttToken connected = client.connectWithResult(options);
            Integer receiveMaximum = connected.getResponseProperties() == null ? null
                    : connected.getResponseProperties().getReceiveMaximum();
            int limit = receiveMaximum == null ? 65_535 : receiveMaximum; // MQTT 5: absent means 65,535
            client.limitInFlightTo(limit);
            LOG.info("Publishing MQTT client {} connected to {} (at most {} publishes in flight)", client.getClientId(),
                    client.getServerURI(), limit);
        } catch (MqttException e) {
            LOG.warn("Publishing MQTT client cannot connect to {} ({}); deliveries go as push and announcements wait until"
                            + " it can, retrying in {} ms",
                    client.getServerURI(), e.getMessage(), retryMillis);
            if (!connector.isShutdown()) {
                connector.schedule(this::connect, retryMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void stop() {
        if (connector != null) {
            connector.shutdownNow();
        }
        MqttShutdown.shutdown(client, options, 2_000);
    }

    /**
     * A client whose QoS 1 publishes wait for one of the broker's in-flight slots (its Receive Maximum, from CONNACK:
     * HiveMQ CE 10, AWS IoT Core 100) instead of failing with "too many publishes in progress" when more consumers
     * publish at once than the broker allows: those would otherwise fall back to push although the socket was there.
     * The wait for a slot, the retries of a publish Paho still refuses as too many in flight and the wait for the
     * PUBACK share one deadline, the publish timeout; a publish while disconnected still fails at once. The limit is
     * the one of the first connection (reconnects go to the same broker URL).
     */
    static final class InFlightLimitedClient extends MqttClient {

        private static final long MAX_INFLIGHT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

        private final Semaphore slots = new Semaphore(0);
        private volatile boolean limited;

        InFlightLimitedClient(String brokerUrl, String clientId) throws MqttException {
            super(brokerUrl, clientId, new MemoryPersistence());
        }

        synchronized void limitInFlightTo(int receiveMaximum) {
            if (!limited) {
                slots.release(receiveMaximum);
                limited = true;
            }
        }

        @Override
        public void publish(String topic, MqttMessage message) throws MqttException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(getTimeToWait());
            start(topic, message, deadline).waitForCompletion(
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }

        /**
         * Starts a QoS 1 publish and returns at once with its token: many are in flight together, as many as the
         * broker's Receive Maximum allows (a slot is waited for until {@code deadline}, System.nanoTime). The slot is
         * given back when the PUBACK comes or the publish fails. Throws when it cannot start (not connected, no slot
         * by the deadline).
         */
        IMqttToken start(String topic, MqttMessage message, long deadline) throws MqttException {
            if (!limited || !isConnected()) {
                return aClient.publish(topic, message); // fails at once: not connected
            }
            try {
                if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new MqttException(MqttClientException.REASON_CODE_MAX_INFLIGHT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MqttException(e);
            }
            MqttActionListener release = new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    slots.release();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    slots.release();
                }
            };
            while (true) {
                try {
                    return aClient.publish(topic, message, null, release);
                } catch (MqttException e) {
                    // Paho's own in-flight count can briefly stay above ours (a publish that timed out keeps its slot
                    // until its PUBACK): try again until the deadline
                    if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT || System.nanoTime() > deadline) {
                        slots.release();
                        throw e;
                    }
                    LockSupport.parkNanos(MAX_INFLIGHT_RETRY_NANOS);
                } catch (RuntimeException e) {
                    slots.release();
                    throw e;
                }
            }
        }
    }
}
