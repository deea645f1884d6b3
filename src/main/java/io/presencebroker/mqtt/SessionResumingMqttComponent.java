package io.presencebroker.mqtt;

import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5ComponentConfigurer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5EndpointConfigurer;
import org.apache.camel.spi.PropertyConfigurer;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * camel-paho-mqtt5 (same URI, options and producer) with one fix in the consumer, bound as {@code paho-mqtt5}.
 * <p>
 * The stock consumer connects its client first and sets the message callback afterwards. With a persistent session
 * ({@code cleanStart=false}) the broker sends the messages it kept for the session right after CONNACK, so on a
 * restart those arrive before there is a callback: paho drops them, and with manual acknowledgements it does not
 * acknowledge them either, so the broker holds them in flight until the next reconnect, which may be hours away. Events
 * published while the service was restarting would be stuck exactly when the session was meant to keep them.
 * <p>
 * This consumer hands the stock one a client that is not yet connected and connects it when the callback is set,
 * before the stock consumer subscribes: the kept messages reach the route. It also owns that client, so it disconnects
 * and closes it on stop (the stock consumer leaves a client it did not create alone). Reconnects after a network
 * failure were never affected: paho's automatic reconnect keeps the callback.
 */
public class SessionResumingMqttComponent extends PahoMqtt5Component {

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        PahoMqtt5Endpoint endpoint = new SessionResumingEndpoint(uri, remaining, this, getConfiguration().copy());
        endpoint.setClient(getClient());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    // the generated configurers are looked up by class name; this subclass has none of its own
    @Override
    public PropertyConfigurer getComponentPropertyConfigurer() {
        return new PahoMqtt5ComponentConfigurer();
    }

    @Override
    public PropertyConfigurer getEndpointPropertyConfigurer() {
        return new PahoMqtt5EndpointConfigurer();
    }

    static final class SessionResumingEndpoint extends PahoMqtt5Endpoint {

        SessionResumingEndpoint(String uri, String topic, PahoMqtt5Component component, PahoMqtt5Configuration config) {
            super(uri, topic, component, config);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            if (getClient() != null) {
                return super.createConsumer(processor); // a client given by the user: theirs to connect
            }
            PahoMqtt5Consumer consumer = new SessionResumingConsumer(this, processor);
            configureConsumer(consumer);
            return consumer;
        }

        CallbackFirstClient newClient() throws MqttException {
            PahoMqtt5Configuration config = getConfiguration();
            String clientId = config.getClientId() != null ? config.getClientId() : generateClientId();
            return new CallbackFirstClient(config.getBrokerUrl(), clientId, createMqttClientPersistence(config),
                    createMqttConnectionOptions(), config.isManualAcksEnabled());
        }
    }

    static final class SessionResumingConsumer extends PahoMqtt5Consumer {

        private final SessionResumingEndpoint endpoint;
        private CallbackFirstClient own;

        SessionResumingConsumer(SessionResumingEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
            this.endpoint = endpoint;
        }

        @Override
        protected void doStart() throws Exception {
            own = endpoint.newClient();
            setClient(own);
            try {
                super.doStart(); // sets the callback (which connects) and subscribes
            } catch (Exception e) {
                closeOwnClient();
                throw e;
            }
        }

        @Override
        protected void doStop() throws Exception {
            try {
                super.doStop();
            } finally {
                closeOwnClient();
            }
        }

        private void closeOwnClient() {
            CallbackFirstClient client = own;
            own = null;
            if (client != null) {
                client.shutdown();
            }
        }
    }

    /** A client that connects as soon as it has a callback, so nothing the broker sends first finds it without one. */
    static final class CallbackFirstClient extends MqttClient {

        private final MqttConnectionOptions options;

        CallbackFirstClient(String brokerUrl, String clientId, MqttClientPersistence persistence,
                            MqttConnectionOptions options, boolean manualAcks) throws MqttException {
            super(brokerUrl, clientId, persistence);
            this.options = options;
            setManualAcks(manualAcks);
        }

        /** Disconnects and closes for good (and stops Paho's reconnect attempts). */
        void shutdown() {
            MqttShutdown.shutdown(this, options, 30_000);
        }

        @Override
        public void setCallback(MqttCallback callback) {
            super.setCallback(callback);
            if (!isConnected()) {
                try {
                    connect(options);
                } catch (MqttException e) {
                    throw new IllegalStateException("MQTT connect to " + getServerURI() + " as " + getClientId()
                            + " failed: " + e.getMessage(), e);
                }
            }
        }
    }
}
