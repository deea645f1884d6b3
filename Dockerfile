# presence-broker container image.
#
#   docker build -t presence-broker .
#   docker run --rm -p 9876:9876 -e ... presence-broker   # `run` (default): configured from the environment
#   docker run --rm -e PRESENCE_DB_... presence-broker migrate   # schema migrations + runtime database user, then exits
#
# A production image: /app/lib holds only the production libraries (target/lib, at most 90 MiB, checked by
# ProductionLibrariesIT). The embedded development servers of the `local` and `demo` commands (target/lib-local) are
# not copied, so those commands say so and exit; run the demo from the source tree (README's first command). The
# image runs with a read-only root filesystem: only /tmp is written (JVM perf data, Vert.x file cache, Netty's native
# library), mounted as a volume by the ECS task definition.
#
# java is PID 1 (exec-form ENTRYPOINT, no shell wrapper), so ECS's SIGTERM reaches the JVM directly and Camel shuts
# down gracefully within the task's stopTimeout. Extra JVM flags: set JAVA_TOOL_OPTIONS.
#
# -XX:TieredStopAtLevel=1: C1 only. Measured with bench/run on 2 shared cores (docs/performance.md): the service's CPU
# per event fell from 0.232 to 0.152 s per 1,000 events warm and from 0.464 to 0.225 cold, its cold throughput rose
# from 0.62 to 1.15 of the bare drain's; C2's compiles compete with the work for the few cores a task has.

# ---- stage 1: build ------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
# dependencies first: this layer is rebuilt only when pom.xml changes
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src/ src/
COPY deploy/runtime-user.sql deploy/rds-truststore.sh deploy/
RUN mvn -B -q package -DskipTests
# the trust store of the database connection: every CA of the RDS CA bundle (all regions), for Connector/J's
# sslMode=VERIFY_IDENTITY (PRESENCE_DB_URL: trustCertificateKeyStoreUrl=file:/app/rds-ca.p12). Public certificates
# only: its password is no secret. Downloaded at build time from AWS; rebuild when AWS adds a CA.
ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /build/rds-global-bundle.pem
RUN bash deploy/rds-truststore.sh /build/rds-global-bundle.pem /build/rds-ca.p12 rds-ca-public

# ---- stage 2: runtime ----------------------------------------------------------------------------------------------
# the JRE 17 line on Ubuntu 24.04: security updates arrive with a rebuild; for a byte-for-byte reproducible image pin
# the digest instead (eclipse-temurin:17-jre-noble@sha256:...)
FROM eclipse-temurin:17-jre-noble

LABEL org.opencontainers.image.title="presence-broker" \
      org.opencontainers.image.description="AWS IoT Core lifecycle events from SQS to socket status in MySQL (Apache Camel)" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:17-jre-noble"

# curl for the health check (not guaranteed in the JRE image)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 presence \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin presence

WORKDIR /app
# the jar's manifest Class-Path points at lib/*.jar, relative to the jar; target/lib-local is NOT copied
COPY --from=build /build/target/lib/ /app/lib/
COPY --from=build /build/target/presence-broker.jar /app/presence-broker.jar
COPY --from=build /build/rds-ca.p12 /app/rds-ca.p12
# routes are read at start from PRESENCE_ROUTES_DIR: mount a volume over /app/routes, or point the variable elsewhere
COPY routes/ /app/routes/

ENV PRESENCE_ROUTES_DIR=/app/routes \
    PRESENCE_LOG_FORMAT=json

# management server: /observe/health, /observe/health/ready, /observe/health/live, /observe/metrics (Prometheus)
EXPOSE 9876

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:9876/observe/health/ready || exit 1

USER 10001

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1", "-jar", "/app/presence-broker.jar"]
# commands: run (default), migrate, replay-dlq (local and demo need target/lib-local: not in this image)
CMD ["run"]
