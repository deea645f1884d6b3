package io.presencebroker.health;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import io.presencebroker.failure.CircuitBreaker;

/**
 * Readiness: DOWN while the circuit breaker keeps the events consumer suspended, that is while the environment
 * (database, privileges, schema) refuses the service's work. Liveness stays UP: a restart does not fix a revoked
 * privilege or a half-done migration; the operator does, alerted by this and by the suspended-consumer alarm.
 */
public class ConsumerHealthCheck extends AbstractHealthCheck {

    private final CircuitBreaker breaker;

    public ConsumerHealthCheck(CircuitBreaker breaker) {
        super("presence", "consumer");
        this.breaker = breaker;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String state = breaker.state();
        builder.detail("circuit", state);
        if ("opened".equals(state)) {
            builder.message("events consumer suspended by the circuit breaker: the database refuses the service's work "
                    + "(see the log line 'Consumer stays suspended')").down();
        } else {
            builder.up();
        }
    }
}
