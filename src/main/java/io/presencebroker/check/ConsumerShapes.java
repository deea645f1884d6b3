package io.presencebroker.check;

import java.util.List;

import io.presencebroker.delivery.Delivery;
import io.presencebroker.delivery.OutboxComponent;
import io.presencebroker.lifecycle.LifecycleEventsComponent;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.component.scheduler.SchedulerConstants;
import org.apache.camel.component.timer.TimerConstants;

/**
 * What a route's consumer starts each exchange with: the headers of the consumers whose headers are known, else any
 * header. A route that other routes call ({@code direct:}) may get any header from its callers.
 */
final class ConsumerShapes {

    private ConsumerShapes() {
    }

    /** The shape of a new exchange of the endpoint {@code uri} (placeholders resolved). */
    static ExchangeShape of(String uri) {
        String scheme = uri.substring(0, Math.max(0, uri.indexOf(':')));
        return switch (scheme) {
            // LifecycleEventsConsumer.route: the event's text and its SQS message id (null for an event from MQTT)
            case LifecycleEventsComponent.SCHEME -> ExchangeShape.start(List.of(Sqs2Constants.MESSAGE_ID), false, String.class);
            // OutboxConsumer.route: one recipient of one outbox message, and what the decision reads of it
            case OutboxComponent.SCHEME -> ExchangeShape.start(OutboxComponent.HEADERS, false, Delivery.Recipient.class);
            case "timer" -> ExchangeShape.start(List.of(TimerConstants.HEADER_FIRED_TIME,
                    TimerConstants.HEADER_MESSAGE_TIMESTAMP), false, null);
            case "scheduler" -> ExchangeShape.start(List.of(SchedulerConstants.MESSAGE_TIMESTAMP), false, null);
            // PahoMqtt5Consumer.messageArrived; the body is the payload (byte[])
            case "paho-mqtt5" -> ExchangeShape.start(List.of(PahoMqtt5Constants.MQTT_TOPIC, PahoMqtt5Constants.MQTT_QOS,
                    PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES), false, byte[].class);
            // the message's attributes become headers, whatever their names
            case "aws2-sqs" -> ExchangeShape.start(List.of(), true, String.class);
            // the request's headers, query parameters and path parameters
            case "platform-http" -> ExchangeShape.start(List.of(), true, null);
            default -> ExchangeShape.UNKNOWN;
        };
    }
}
