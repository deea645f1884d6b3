package io.presencebroker.testing;

import io.presencebroker.api.ReadApiConfiguration;
import java.util.Map;

import io.presencebroker.DeliveryConfiguration;
import io.presencebroker.PresenceConfiguration;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;

/**
 * The real application under camel-test-main-junit5: camel-main with the service's configurations, the YAML routes of
 * routes/ and application.properties, pointed by {@link #settings()} at the embedded servers.
 */
public abstract class ServiceTestSupport extends CamelMainTestSupport {

    /** This test's settings (queues, ports, switches); called once while the context is configured. */
    protected abstract Map<String, String> settings();

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.addConfiguration(PresenceConfiguration.class);
        configuration.addConfiguration(DeliveryConfiguration.class);
        configuration.addConfiguration(ReadApiConfiguration.class);
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        configuration.withUseOverridePropertiesWithPropertiesComponent(TestServices.asProperties(settings()));
    }
}
