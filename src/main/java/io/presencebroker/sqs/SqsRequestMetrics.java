package io.presencebroker.sqs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts SQS API calls by operation and result ({@code presence_sqs_requests_total}): how often the consumers
 * receive, delete and send, and how many calls fail. An outage that makes consumers spin shows here first.
 */
public class SqsRequestMetrics implements ExecutionInterceptor {

    private final MeterRegistry registry;

    public SqsRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        counter(attributes, "ok").increment();
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        counter(attributes, "error").increment();
    }

    private Counter counter(ExecutionAttributes attributes, String result) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        return Counter.builder("presence_sqs_requests")
                .description("SQS API calls by operation and result")
                .tag("operation", operation == null ? "unknown" : operation)
                .tag("result", result)
                .register(registry);
    }

    public double count(String operation, String result) {
        return Counter.builder("presence_sqs_requests").tag("operation", operation).tag("result", result)
                .register(registry).count();
    }
}
