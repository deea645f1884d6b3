package io.presencebroker.lifecycle;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

import io.presencebroker.config.Settings;
import io.presencebroker.sqs.SqsClients;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.IotClientBuilder;
import software.amazon.awssdk.services.iot.model.GetThingConnectivityDataResponse;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * AWS IoT's connectivity record of a client, through the SDK's {@link IotClient}: GetThingConnectivityData, the live
 * status of the thing whose name is the client id (fleet indexing with thing connectivity on). The SDK's standard
 * retries handle throttling and 5xx answers; what outlasts them is thrown, and the pass stops (the next one starts over).
 */
public class IotConnectivity implements AutoCloseable {

    private final IotClient iot;
    private final LongSupplier clock;

    public IotConnectivity(IotClient iot, LongSupplier clock) {
        this.iot = iot;
        this.clock = clock;
    }

    /** The client of presence.iot.endpoint (empty: AWS IoT's own endpoint of aws.region) and the SDK credentials. */
    public static IotConnectivity create(Settings settings) {
        IotClientBuilder builder = IotClient.builder()
                .region(Region.of(settings.require("aws.region")))
                .credentialsProvider(SqsClients.credentials(settings))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMillis(settings.getLong("presence.reconcile.call-timeout-ms"))));
        String endpoint = settings.get("presence.iot.endpoint");
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return new IotConnectivity(builder.build(), System::currentTimeMillis);
    }

    public ReconcileVerdict.Record record(String clientId) {
        try {
            GetThingConnectivityDataResponse r = iot.getThingConnectivityData(b -> b.thingName(clientId));
            Instant at = r.timestamp();
            return new ReconcileVerdict.Record(true, Boolean.TRUE.equals(r.connected()),
                    at == null ? null : at.toEpochMilli(), blankToNull(r.disconnectReasonAsString()), clock.getAsLong());
        } catch (ResourceNotFoundException e) {
            return ReconcileVerdict.Record.notFound(clock.getAsLong());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public void close() {
        iot.close();
    }
}
