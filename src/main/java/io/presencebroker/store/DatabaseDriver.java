package io.presencebroker.store;

import java.util.Locale;

import com.zaxxer.hikari.HikariConfig;
import io.presencebroker.config.Settings;

/**
 * {@code presence.db.driver}: {@code mysql} (MySQL Connector/J, the URL as given) or {@code aws-wrapper} (the AWS
 * Advanced JDBC Wrapper around Connector/J: {@code jdbc:mysql://} becomes {@code jdbc:aws-wrapper:mysql://}, with the
 * plugins of {@code presence.db.wrapper-plugins}, failover2 and efm2 by default, and the dialect of
 * {@code presence.db.wrapper-dialect} when set). On Aurora MySQL the wrapper's failover plugin knows the cluster
 * topology and reconnects to the new writer in seconds, without waiting for the cluster endpoint's DNS to move; see
 * docs/failover.md for what it does against MariaDB and plain MySQL.
 */
public final class DatabaseDriver {

    public static final String MYSQL = "mysql";
    public static final String AWS_WRAPPER = "aws-wrapper";
    static final String WRAPPER_PREFIX = "jdbc:aws-wrapper:";

    private DatabaseDriver() {
    }

    /** The configured driver, checked. */
    public static String of(Settings props) {
        String driver = props.require("presence.db.driver").toLowerCase(Locale.ROOT);
        if (!driver.equals(MYSQL) && !driver.equals(AWS_WRAPPER)) {
            throw new IllegalStateException("PRESENCE_DB_DRIVER (presence.db.driver) must be " + MYSQL + " or "
                    + AWS_WRAPPER + ", not " + driver);
        }
        return driver;
    }

    /** The JDBC URL for the driver: the configured one, or its aws-wrapper form. */
    public static String url(String driver, String configuredUrl) {
        if (!AWS_WRAPPER.equals(driver) || configuredUrl.startsWith(WRAPPER_PREFIX)) {
            return configuredUrl;
        }
        if (!configuredUrl.startsWith("jdbc:")) {
            throw new IllegalStateException("PRESENCE_DB_URL (presence.db.url) is not a JDBC URL: " + configuredUrl);
        }
        return WRAPPER_PREFIX + configuredUrl.substring("jdbc:".length());
    }

    /** URL, driver class and wrapper properties on the pool's configuration; returns the driver. */
    public static String configure(HikariConfig config, Settings props) {
        String driver = of(props);
        config.setJdbcUrl(url(driver, props.require("presence.db.url")));
        if (AWS_WRAPPER.equals(driver)) {
            config.setDriverClassName("software.amazon.jdbc.Driver");
            config.addDataSourceProperty("wrapperPlugins", props.get("presence.db.wrapper-plugins"));
            String dialect = props.get("presence.db.wrapper-dialect");
            if (!dialect.isBlank()) {
                config.addDataSourceProperty("wrapperDialect", dialect);
            }
        }
        return driver;
    }
}
