package io.presencebroker.mqtt;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ending a Paho MQTT 5 client for good, for both of the service's connections (lifecycle source, delivery). */
public final class MqttShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(MqttShutdown.class);

    private MqttShutdown() {
    }

    /**
     * Disconnects (waiting up to {@code quiesceMillis} for work in flight) and closes. Paho cancels its
     * automatic-reconnect timer only after a successful reconnect, so it is switched off first in the options the
     * client connected with: otherwise a client stopped while the broker is unreachable goes on reconnecting (and, with
     * the same client id, takes the session from its successor). A connect in progress is ended forcibly.
     */
    public static void shutdown(MqttClient client, MqttConnectionOptions connectedWith, long quiesceMillis) {
        connectedWith.setAutomaticReconnect(false);
        try {
            if (client.isConnected()) {
                client.disconnect(quiesceMillis);
            } else {
                client.disconnectForcibly(0, 1_000, false);
            }
        } catch (MqttException e) {
            LOG.debug("MQTT disconnect of {} failed: {}", client.getClientId(), e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.warn("MQTT client {} did not close: {}", client.getClientId(), e.getMessage());
        }
    }
}
