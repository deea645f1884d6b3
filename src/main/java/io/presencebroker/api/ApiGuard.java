package io.presencebroker.api;

import java.util.concurrent.TimeUnit;

import io.presencebroker.config.RouteBean;
import io.presencebroker.rate.TokenBucket;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * First step of the read API route: 401 with {@code WWW-Authenticate: Bearer} without the bearer token or with a
 * wrong one, then 429 with {@code Retry-After} (seconds) beyond the rate limit. A refused request stops the route
 * (no database access) with every request header removed, so nothing the caller sent, the token included, is echoed
 * back. An admitted one goes on without its Authorization header.
 */
@RouteBean
public class ApiGuard implements Processor {

    static final String AUTHORIZATION = "Authorization";

    private final BearerToken token;
    private final TokenBucket rateLimit;

    public ApiGuard(BearerToken token, TokenBucket rateLimit) {
        this.token = token;
        this.rateLimit = rateLimit;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        String authorization = in.getHeader(AUTHORIZATION, String.class);
        in.removeHeader(AUTHORIZATION);
        if (!token.accepts(authorization)) {
            refuse(exchange, 401, "unauthorized");
            in.setHeader("WWW-Authenticate", authorization == null
                    ? "Bearer realm=\"presence-broker\""
                    : "Bearer realm=\"presence-broker\", error=\"invalid_token\"");
            return;
        }
        long waitNanos = rateLimit.tryAcquire();
        if (waitNanos > 0) {
            refuse(exchange, 429, "too many requests");
            in.setHeader("Retry-After", String.valueOf(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L))));
        }
    }

    private static void refuse(Exchange exchange, int status, String error) {
        Message in = exchange.getMessage();
        in.removeHeaders("*");
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        in.setBody("{\"error\":\"" + error + "\"}");
        exchange.setRouteStop(true);
    }
}
