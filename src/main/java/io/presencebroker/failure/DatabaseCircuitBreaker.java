package io.presencebroker.failure;

import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.throttling.ThrottlingExceptionHalfOpenHandler;
import org.apache.camel.throttling.ThrottlingExceptionRoutePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While the database is unreachable the SQS consumer is suspended instead of spinning through receives and errors:
 * after {@code failureThreshold} failed exchanges (transient failures only: permanent ones are dead-lettered and
 * count as handled) within {@code failureWindow}, the circuit opens and the consumer stops polling. Every
 * {@code halfOpenAfter} the database is pinged; the consumer resumes as soon as it answers. Messages not yet
 * processed stay on the queue and come back after their visibility timeout.
 */
public final class DatabaseCircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCircuitBreaker.class);

    private DatabaseCircuitBreaker() {
    }

    /**
     * @param probe what is wrong with the database for this service now, or null: checked while open, every
     *              {@code halfOpenAfter}, and the consumer resumes only when it answers null
     */
    public static Policy create(Supplier<String> probe, int failureThreshold, long failureWindowMillis,
                                long halfOpenAfterMillis) {
        Policy policy = new Policy(failureThreshold, failureWindowMillis, halfOpenAfterMillis);
        policy.setHalfOpenHandler(new DatabaseReachable(probe));
        policy.setStateLoggingLevel("DEBUG");
        return policy;
    }

    /**
     * The breaker, as a route policy: it guards the one route it is set on ({@code routePolicy} in the YAML), which
     * it learns when that route is initialised; work done outside that route's exchanges reports to it through
     * {@link ConsumerCircuitBreaker}.
     */
    public static final class Policy extends ThrottlingExceptionRoutePolicy {

        private volatile Route route;

        Policy(int failureThreshold, long failureWindowMillis, long halfOpenAfterMillis) {
            super(failureThreshold, failureWindowMillis, halfOpenAfterMillis, null);
        }

        @Override
        public void onInit(Route route) {
            if (this.route != null && this.route != route) {
                throw new IllegalStateException("routePolicy databaseCircuitBreaker is set on two routes, "
                        + this.route.getRouteId() + " and " + route.getRouteId() + ": it suspends one consumer; keep it on"
                        + " the route that consumes the events queue");
            }
            this.route = route;
            super.onInit(route);
        }

        /** The route it guards; null until a route with this policy is initialised. */
        public Route route() {
            return route;
        }

        // synchronized: the "opened" check and the opening it may lead to must not interleave between
        // threads (two openings in a row leave the first half-open timer cancelling the second one's)
        @Override
        public synchronized void onExchangeDone(Route route, Exchange exchange) {
            // While open, only the policy's half-open timer may decide. Exchanges still in flight when
            // the circuit opened (the batch is committed in the consumer's thread) would otherwise run
            // the same check from their threads; its re-open replaces the timer while the timer's own
            // task cancels "the" timer, and the chain of checks can end with the consumer suspended for
            // good (seen in DatabaseOutageTest).
            if (!"opened".equals(getStateAsString()) && countsForTheBreaker(exchange)) {
                super.onExchangeDone(route, exchange);
            }
        }
    }


    /**
     * Only the environment's faults open the circuit: a message's own fault is dead-lettered (handled), and an
     * unexpected failure of one message (a poison message) must not suspend the consumption of all the others.
     */
    static boolean countsForTheBreaker(Exchange exchange) {
        return exchange.getException() == null || FailureClassifier.isEnvironmental(exchange.getException());
    }

    static final class DatabaseReachable implements ThrottlingExceptionHalfOpenHandler {
        private final Supplier<String> probe;

        DatabaseReachable(Supplier<String> probe) {
            this.probe = probe;
        }

        @Override
        public boolean isReadyToBeClosed() {
            String problem = probe.get();
            if (problem == null) {
                LOG.info("Database reachable again: the consumer resumes");
                return true;
            }
            LOG.warn("Consumer stays suspended: {}", problem);
            return false;
        }
    }
}
