package io.presencebroker.testing;

import java.util.Map;
import java.util.Properties;

import io.presencebroker.PresenceBroker;
import io.presencebroker.config.SettingDeclarations;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;

/**
 * The real application under camel-test-main-junit5: camel-main with the service's configurations, the YAML routes of
 * routes/, the declared settings and application.properties, pointed by {@link #settings()} at the embedded servers.
 */
public abstract class ServiceTestSupport extends CamelMainTestSupport {

    /** This test's settings (queues, ports, switches); called once while the context is configured. */
    protected abstract Map<String, String> settings();

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        PresenceBroker.configure(configuration);
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        // the declared defaults under this test's settings (camel-test-main has no initial properties of its own)
        Properties properties = SettingDeclarations.load().defaults();
        properties.putAll(settings());
        configuration.withUseOverridePropertiesWithPropertiesComponent(properties);
    }
}
