package io.presencebroker.delivery;

import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Service;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT 5 connection the delivery route publishes through (handed to the paho-mqtt5 endpoint as its
 * {@code client}). Unlike an endpoint-owned client it never blocks or fails the start: it connects in the background,
 * retries until the broker answers, then reconnects automatically. While it is not connected a publish fails at once
 * and the route falls back to push, so a broker outage costs push notifications, never messages.
 */
public class MqttPublisher implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(MqttPublisher.class);

    private final MqttClient client;
    private final MqttConnectionOptions options;
    private final long retryMillis;
    private ScheduledExecutorService connector;

    public MqttPublisher(String brokerUrl, String clientId, String userName, String password, Properties ssl,
                         long publishTimeoutMillis, long retryMillis) {
        try {
            this.client = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
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
            client.connect(options);
            LOG.info("Delivery MQTT client {} connected to {}", client.getClientId(), client.getServerURI());
        } catch (MqttException e) {
            LOG.warn("Delivery MQTT client cannot connect to {} ({}); messages go as push until it can, retrying in {} ms",
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
        try {
            if (client.isConnected()) {
                client.disconnect(2_000);
            }
        } catch (MqttException e) {
            LOG.debug("MQTT disconnect: {}", e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.debug("MQTT close: {}", e.getMessage());
        }
    }
}
