package io.presencebroker.metrics;

/** The read API's own connection pool, by the name its HikariCP metrics carry (tag {@code pool}). */
public final class ApiPoolName {

    public static final String NAME = "presence-api-db";

    private ApiPoolName() {
    }
}
