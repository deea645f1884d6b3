# presence-broker container image.
#
#   docker build -t presence-broker .
#   docker run --rm presence-broker demo          # embedded SQS + MariaDB, no AWS needed
#   docker run --rm -p 9876:9876 -e ... presence-broker   # `run` (default): configured from the environment
#
# java is PID 1 (exec-form ENTRYPOINT, no shell wrapper), so ECS's SIGTERM reaches the JVM directly and Camel shuts
# down gracefully within the task's stopTimeout. Extra JVM flags: set JAVA_TOOL_OPTIONS.

# ---- stage 1: build ------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
# dependencies first: this layer is rebuilt only when pom.xml changes
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src/ src/
RUN mvn -B -q package -DskipTests

# ---- stage 2: runtime ----------------------------------------------------------------------------------------------
# the JRE 17 line on Ubuntu 24.04: security updates arrive with a rebuild; for a byte-for-byte reproducible image pin
# the digest instead (eclipse-temurin:17-jre-noble@sha256:...)
FROM eclipse-temurin:17-jre-noble

LABEL org.opencontainers.image.title="presence-broker" \
      org.opencontainers.image.description="AWS IoT Core lifecycle events from SQS to socket status in MySQL (Apache Camel)" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:17-jre-noble"

# curl for the health check (not guaranteed in the JRE image); libcrypt1 and libsystemd0 for the embedded MariaDB
# of the `local` and `demo` commands (x86_64 only)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libcrypt1 libsystemd0 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 presence \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin presence

WORKDIR /app
# the jar's manifest Class-Path points at lib/*.jar, relative to the jar
COPY --from=build /build/target/lib/ /app/lib/
COPY --from=build /build/target/presence-broker.jar /app/presence-broker.jar
# routes are read at start from PRESENCE_ROUTES_DIR: mount a volume over /app/routes, or point the variable elsewhere
COPY routes/ /app/routes/

ENV PRESENCE_ROUTES_DIR=/app/routes \
    PRESENCE_LOG_FORMAT=json

# management server: /observe/health, /observe/health/ready, /observe/health/live, /observe/metrics (Prometheus)
EXPOSE 9876

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:9876/observe/health/ready || exit 1

USER 10001

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/presence-broker.jar"]
# commands: run (default), local, demo, replay-dlq
CMD ["run"]
