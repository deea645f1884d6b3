package io.presencebroker.failure;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.support.DefaultExchange;

/**
 * Tells the SQS consumer's circuit breaker ({@link DatabaseCircuitBreaker}) how the database work went when that work
 * runs outside the consumer's own exchanges (a batch of events is committed in an aggregated exchange).
 */
public class ConsumerCircuitBreaker {

    private final CamelContext context;
    private final DatabaseCircuitBreaker.Policy policy;

    public ConsumerCircuitBreaker(CamelContext context, DatabaseCircuitBreaker.Policy policy) {
        this.context = context;
        this.policy = policy;
    }

    public void failure(Throwable cause) {
        Route route = policy.route();
        // once open, the breaker's own timer checks the database; another trigger would race with that timer
        if (route != null && !"opened".equals(policy.getStateAsString())) {
            DefaultExchange failed = new DefaultExchange(context);
            failed.setException(cause);
            policy.onExchangeDone(route, failed);
        }
    }

    public void success() {
        Route route = policy.route();
        if (route != null && policy.getFailures() > 0 && !"opened".equals(policy.getStateAsString())) {
            policy.onExchangeDone(route, new DefaultExchange(context));
        }
    }
}
