package io.presencebroker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.presencebroker.announce.AnnouncementsConfiguration;
import io.presencebroker.api.ReadApiConfiguration;
import io.presencebroker.check.Problem;
import io.presencebroker.check.RouteCheck;
import io.presencebroker.check.RouteWiring;
import io.presencebroker.config.SettingDeclarations;
import io.presencebroker.config.Settings;
import io.presencebroker.delivery.DeliveryConfiguration;
import io.presencebroker.lifecycle.LifecycleConfiguration;
import io.presencebroker.routes.S3RouteSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.main.MainListenerSupport;

/**
 * The Camel application: camel-main with the configurations of the shared base and of each flow, the settings
 * declared in settings.yaml, and the YAML routes of the routes folder, or of {@code presence.routes.s3-uri}
 * ({@link S3RouteSource}), checked before anything starts.
 */
public final class PresenceBroker implements AutoCloseable {

    /**
     * The configurations that bind the routes' beans: the shared base's, then one per flow. With
     * {@link DatabaseConfiguration} they are the service; {@code check-routes} puts its stand-ins in that one's place.
     */
    public static final List<Class<? extends CamelConfiguration>> CONFIGURATIONS = List.of(ServiceConfiguration.class,
            LifecycleConfiguration.class, AnnouncementsConfiguration.class, DeliveryConfiguration.class,
            ReadApiConfiguration.class);

    private final Main main;

    /**
     * Refuses (with {@link io.presencebroker.config.SettingException}) a start without a required setting, and one
     * whose routes from S3 have a problem, before anything starts.
     */
    public PresenceBroker(Map<String, String> overrides) {
        Settings settings = Settings.load(overrides);
        SettingDeclarations.load().requireAll(settings);
        Map<String, String> effective = new HashMap<>(overrides);
        String s3Uri = settings.get("presence.routes.s3-uri");
        if (!s3Uri.isBlank()) {
            // routes shipped to S3: fetched, and refused before anything starts when check-routes finds a problem
            Path fetched = S3RouteSource.fetch(settings);
            List<Problem> problems = RouteCheck.check(fetched, overrides, CONFIGURATIONS);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("The routes fetched from " + s3Uri
                        + " are refused, nothing was started (" + problems.size() + " problem(s)):\n  "
                        + String.join("\n  ", problems.stream().map(Problem::toString).toList()));
            }
            effective.put("presence.routes-dir", fetched.toString());
        }
        Path routes = Path.of(effective.getOrDefault("presence.routes-dir", settings.get("presence.routes-dir")));
        if (!Files.isDirectory(routes)) {
            throw new IllegalStateException("The routes folder " + routes.toAbsolutePath()
                    + " does not exist: set PRESENCE_ROUTES_DIR (presence.routes-dir) to the folder of the YAML routes");
        }
        main = new Main();
        configure(main.configure());
        main.setInitialProperties(SettingDeclarations.load().defaults());
        effective.forEach(main::addOverrideProperty);
        // the routes must have what the Java side needs (RouteWiring): checked once they are loaded, before any route starts
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                CamelContext context = configured.getCamelContext();
                RouteWiring.require(context, Boolean.parseBoolean(
                        context.resolvePropertyPlaceholders("{{presence.delivery.enabled}}")));
            }
        });
    }

    /** The service's configurations: {@link #CONFIGURATIONS} and the database. */
    public static void configure(MainConfigurationProperties configuration) {
        CONFIGURATIONS.forEach(configuration::addConfiguration);
        configuration.addConfiguration(DatabaseConfiguration.class);
    }

    /** Binds a bean before the start (tests: e.g. a {@code DatabaseCredentials} source). */
    public PresenceBroker bind(String name, Object bean) {
        main.bind(name, bean);
        return this;
    }

    /** Runs until the JVM is told to stop (SIGTERM or SIGINT); camel-main shuts down gracefully. Returns its exit code. */
    public int run() throws Exception {
        main.run();
        return main.getExitCode();
    }

    /** Starts and returns; for the demo and the tests. */
    public PresenceBroker start() {
        main.start();
        return this;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() {
        main.stop();
    }
}
