package io.presencebroker.api;

import javax.sql.DataSource;

import io.presencebroker.config.Settings;
import io.presencebroker.rate.TokenBucket;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.PlatformHttpComponent;

/**
 * The beans of routes/presence-api.yaml, made when the read API is on (the route's precondition): the guard (bearer
 * token, rate limit) and the view, which reads through the API's own pool, {@code presenceApiDataSource}
 * ({@code store/Pools.readOnly}), so that a flood of requests never takes the consumers' connections.
 */
public class ReadApiConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        Settings props = Settings.of(context.getPropertiesComponent());
        if (props.isTrue("presence.api.enabled")) {
            context.getComponent("platform-http", PlatformHttpComponent.class)
                    .setEngine(new PresenceApiEngine(props.getInt("presence.api.port")));
        }
    }

    @BindToRegistry(lazy = true)
    public ApiGuard presenceApiGuard(@PropertyInject("presence.api.token") String token,
                                     @PropertyInject("presence.api.rate-limit-per-second") int ratePerSecond) {
        return new ApiGuard(new BearerToken(token), new TokenBucket("presence.api.rate-limit-per-second", ratePerSecond, ratePerSecond));
    }

    @BindToRegistry(lazy = true)
    public PresenceView presenceView(@BeanInject("presenceApiDataSource") DataSource pool) {
        return new PresenceView(pool);
    }
}
