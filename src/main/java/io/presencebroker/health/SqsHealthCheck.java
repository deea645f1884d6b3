package io.presencebroker.health;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Readiness: DOWN while the events queue cannot be reached (credentials, network, queue missing). */
public class SqsHealthCheck extends AbstractHealthCheck {

    private final SqsClient sqs;
    private final String queue;

    public SqsHealthCheck(SqsClient sqs, String queue) {
        super("presence", "sqs");
        this.sqs = sqs;
        this.queue = queue;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            String visible = sqs.getQueueAttributes(b -> b.queueUrl(url)
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                    .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            builder.detail("queue", queue).detail("visible", visible).up();
        } catch (Exception e) {
            builder.message("queue " + queue + " unreachable: " + e.getMessage()).down();
        }
    }
}
