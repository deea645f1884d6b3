package io.presencebroker.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.presencebroker.config.SettingException;
import io.presencebroker.config.Settings;
import io.presencebroker.rate.TokenBucket;
import io.presencebroker.sqs.SqsClients;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.IotClientBuilder;
import software.amazon.awssdk.services.iot.model.GetThingConnectivityDataResponse;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * AWS IoT's connectivity record of a client, through the SDK's {@link IotClient}: GetThingConnectivityData, the live
 * status of the thing whose name is the client id (fleet indexing with thing connectivity on). Every HTTP attempt,
 * the SDK's retries of throttled and failed calls included, first takes a token of the request budget; what outlasts
 * the retries is thrown.
 */
public class IotConnectivity implements AutoCloseable {

    private final IotClient iot;
    private final LongSupplier clock;

    public IotConnectivity(IotClient iot) {
        this(iot, System::currentTimeMillis);
    }

    public IotConnectivity(IotClient iot, LongSupplier clock) {
        this.iot = iot;
        this.clock = clock;
    }

    /**
     * The client of presence.iot.endpoint (empty: AWS IoT's own endpoint of aws.region) and the SDK credentials, within
     * presence.reconcile.requests-per-second (at least 1: each attempt's wait for a token counts against the call's
     * timeout).
     */
    public static IotConnectivity create(Settings settings, BooleanSupplier stopping) {
        double perSecond = Double.parseDouble(settings.require("presence.reconcile.requests-per-second"));
        if (!(perSecond >= 1)) {
            throw new SettingException("PRESENCE_RECONCILE_REQUESTS_PER_SECOND (presence.reconcile.requests-per-second)"
                    + " must be at least 1: " + perSecond);
        }
        TokenBucket budget = new TokenBucket("PRESENCE_RECONCILE_REQUESTS_PER_SECOND", perSecond, 1);
        IotClientBuilder builder = SqsClients.configure(IotClient.builder(), settings,
                settings.get("presence.iot.endpoint"));
        return new IotConnectivity(budgeted(builder, budget, stopping,
                Duration.ofMillis(settings.getLong("presence.reconcile.call-timeout-ms"))).build());
    }

    /** The builder with every HTTP attempt gated by the budget (and the call's timeout, retries included). */
    public static IotClientBuilder budgeted(IotClientBuilder builder, TokenBucket budget, BooleanSupplier stopping,
                                            Duration callTimeout) {
        ExecutionInterceptor gate = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (!budget.acquire(stopping)) {
                    throw SdkClientException.create("the service is stopping: no more AWS IoT requests");
                }
            }
        };
        return builder.overrideConfiguration(o -> o.apiCallTimeout(callTimeout).addExecutionInterceptor(gate));
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
