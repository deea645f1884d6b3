package io.presencebroker.sqs;

import io.presencebroker.config.Settings;
import java.net.URI;
import java.time.Duration;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * The SQS client from the settings: AWS (region from AWS_REGION, credentials from the SDK default chain: environment,
 * ECS task role) or an SQS-compatible server at {@code presence.sqs.endpoint}.
 */
public final class SqsClients {

    private SqsClients() {
    }

    /** Every call bounded by presence.sqs.call-timeout-ms (a receive through QueueMessages: its wait on top). */
    public static SqsClient create(Settings settings, int consumers, ExecutionInterceptor... interceptors) {
        return create(settings, consumers, Duration.ofMillis(settings.getLong("presence.sqs.call-timeout-ms")), interceptors);
    }

    /**
     * For a consumer that long-polls with requests it does not make itself (camel-aws2-sqs, the receipts): every call
     * bounded by the long-poll wait plus presence.sqs.call-timeout-ms.
     */
    public static SqsClient createForLongPolls(Settings settings, int consumers, ExecutionInterceptor... interceptors) {
        return create(settings, consumers, Duration.ofSeconds(settings.getLong("presence.sqs.wait-time-seconds"))
                .plusMillis(settings.getLong("presence.sqs.call-timeout-ms")), interceptors);
    }

    private static SqsClient create(Settings settings, int consumers, Duration callTimeout,
                                    ExecutionInterceptor... interceptors) {
        SqsClientBuilder builder = configure(SqsClient.builder(), settings, settings.get("presence.sqs.endpoint"))
                .overrideConfiguration(c -> {
                    for (ExecutionInterceptor i : interceptors) {
                        c.addExecutionInterceptor(i);
                    }
                    // every call bounded, its retries included (a receive gets its long-poll wait on top: QueueMessages)
                    c.apiCallTimeout(callTimeout);
                })
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(50, consumers * 4)));
        return builder.build();
    }

    /**
     * A client builder of any AWS service as the settings say: aws.region, {@link #credentials}, and {@code endpoint}
     * unless it is blank (the value of the service's endpoint setting: a compatible server, for tests and the local run).
     */
    public static <B extends AwsClientBuilder<B, ?>> B configure(B builder, Settings settings, String endpoint) {
        builder.region(Region.of(settings.require("aws.region"))).credentialsProvider(credentials(settings));
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder;
    }

    /** The SDK default chain (environment, ECS task role), or the static keys of a local server when they are set. */
    public static AwsCredentialsProvider credentials(Settings settings) {
        String accessKey = settings.get("presence.aws.access-key");
        return accessKey.isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        settings.get("presence.aws.secret-key")));
    }
}
