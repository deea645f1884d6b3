package io.presencebroker.check;

import io.presencebroker.PresenceBroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.presencebroker.testing.RouteFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * check-routes on the shipped routes and on broken copies. No server runs for these tests, and the check needs
 * none: every setting it lacks has a stand-in naming an unresolvable host, so a check that tried to connect would
 * hang or fail here.
 */
class RouteCheckTest {

    @TempDir
    Path temp;

    @Test
    void theShippedRoutesHaveNoProblem() {
        assertThat(RouteCheck.check(Path.of("routes"), Map.of(), PresenceBroker.CONFIGURATIONS)).isEmpty();
    }

    @Test
    void aMisspeltKeyIsRefusedWithItsFileAndLine() throws IOException {
        Path routes = copy();
        int line = edit(routes.resolve("lifecycle-events.yaml"), "            ref: lifecycleEventParser",
                "            reff: lifecycleEventParser");
        int choice = edit(routes.resolve("delivery.yaml"), "- choice:", "- choise:");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                routes.resolve("delivery.yaml") + ":" + choice + ": schema: property 'choise' is not defined in the schema"
                        + " and the schema does not allow additional properties (at $[0].route.from.steps[0])",
                routes.resolve("lifecycle-events.yaml") + ":" + line + ": schema: property 'reff' is not defined in the"
                        + " schema and the schema does not allow additional properties (at $[0].route.from.steps[0].bean)");
    }

    @Test
    void everyMisspeltKeyOfAFileIsReportedWithItsLine() throws IOException {
        Path routes = copy();
        Path lifecycle = routes.resolve("lifecycle-events.yaml");
        // a choice within the router's first branch, its otherwise misspelt like the router's own
        Files.writeString(lifecycle, Files.readString(lifecycle).replace("""
                                steps:
                                  - bean:
                                      ref: lifecycleRows
                                      method: presence
                """, """
                                steps:
                                  - choice:
                                      when:
                                        - simple: "${header.eventType} == 'connected'"
                                          steps:
                                            - bean:
                                                ref: lifecycleRows
                                                method: presence
                                      otherwise:
                                        steps:
                                          - bean:
                                              ref: lifecycleRows
                                              method: presence
                """));
        int inner = edit(lifecycle, "                      otherwise:", "                      otherwize:");
        int router = edit(lifecycle, "            otherwise:", "            otherwize:");
        // and two in one choice
        Path delivery = routes.resolve("delivery.yaml");
        int when = edit(delivery, "            when:", "            whem:");
        int otherwise = edit(delivery, "            otherwise:", "            otherwize:");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                delivery + ":" + when + ": schema: property 'whem' is not defined in the schema and the schema does not"
                        + " allow additional properties (at $[0].route.from.steps[0].choice)",
                delivery + ":" + otherwise + ": schema: property 'otherwize' is not defined in the schema and the schema"
                        + " does not allow additional properties (at $[0].route.from.steps[0].choice)",
                lifecycle + ":" + inner + ": schema: property 'otherwize' is not defined in the schema and the schema"
                        + " does not allow additional properties (at $[0].route.from.steps[1].choice.when[0].steps[0].choice)",
                lifecycle + ":" + router + ": schema: property 'otherwize' is not defined in the schema and the schema"
                        + " does not allow additional properties (at $[0].route.from.steps[1].choice)");
    }

    @Test
    void unknownBeansMethodsOptionsAndPlaceholdersAreRefusedEachWithItsFileAndLine() throws IOException {
        Path routes = copy();
        Path lifecycle = routes.resolve("lifecycle-events.yaml");
        // the endpoint is named by the line of its uri
        int option = edit(lifecycle, "      uri: lifecycle-events:{{presence.events-queue}}",
                "      uri: lifecycle-events:{{presence.events-queue}}?deleteAfterRead=true");
        int bean = edit(lifecycle, "            ref: lifecycleEventParser", "            ref: lifecycleEventParsr");
        int method = edit(lifecycle, "method: chatSubscriptions", "method: chatSubscription");
        Path deadLetter = routes.resolve("dead-letter.yaml");
        int placeholder = edit(deadLetter, "logName: presence.dead-letter", "logName: \"{{presence.dead-letter-queue}}\"");
        int beanType = edit(deadLetter, "beanType: io.presencebroker.failure.DeadLetterAttributes",
                "beanType: io.presencebroker.failure.DeadLetterAttribute");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                deadLetter + ":" + beanType + ": bean: class io.presencebroker.failure.DeadLetterAttribute not found",
                deadLetter + ":" + placeholder + ": property placeholder {{presence.dead-letter-queue}} is not set"
                        + " (not declared in settings.yaml, nor set by the environment variable PRESENCE_DEAD_LETTER_QUEUE)",
                lifecycle + ":" + option + ": endpoint lifecycle-events:{{presence.events-queue}}:"
                        + " lifecycle-events:check-routes-events takes no options in a route ([deleteAfterRead]): how it"
                        + " polls, acknowledges and retries is the service's, set by PRESENCE_CONSUMERS,"
                        + " PRESENCE_SQS_RECEIVERS, PRESENCE_SQS_MAX_MESSAGES_PER_POLL, PRESENCE_SQS_WAIT_TIME_SECONDS and PRESENCE_RETRY_* (README)",
                lifecycle + ":" + bean + ": bean: no bean named lifecycleEventParsr in the registry",
                lifecycle + ":" + method + ": bean lifecycleRows has no public method chatSubscription"
                        + " (io.presencebroker.lifecycle.LifecycleRows)");
    }

    @Test
    void aDirectEndpointThatNoRouteConsumesAndAMissingWiringAreRefused() throws IOException {
        Path routes = copy();
        Path mqtt = routes.resolve("lifecycle-events-mqtt.yaml");
        int to = edit(mqtt, "- to: lifecycle-events:{{presence.events-queue}}", "- to: direct:lifecycle-event");
        edit(routes.resolve("lifecycle-events.yaml"), "uri: lifecycle-events:{{presence.events-queue}}",
                "uri: lifecycle-events:{{presence.outbox-queue}}");
        Files.delete(routes.resolve("dead-letter.yaml"));

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).contains(
                mqtt + ":" + to + ": no route consumes direct:lifecycle-event (a route `from`"
                        + " direct:lifecycle-event is needed)",
                routes + ": no route consumes lifecycle-events:check-routes-events (presence.events-queue): the"
                        + " lifecycle flow (routes/lifecycle-events.yaml) needs a route `from` it",
                routes + ": no route consumes direct:dead-letter (the dead-letter flow, routes/dead-letter.yaml)");
    }

    /** The policy (RouteFilePolicy): a secret named or read anywhere in a file, in each of the forms a route can read it. */
    @Test
    void aRouteThatReadsASecretIsRefusedWhateverTheForm() throws IOException {
        Path routes = copy();
        Path retention = routes.resolve("delivery-log-retention.yaml");
        String message = "message: \"Deleted ${body} delivery_log rows older than {{presence.delivery.log-retention-hours}} hours\"";
        int placeholder = edit(retention, message, "message: \"{{presence.db.password}}\"");
        Path announcements = routes.resolve("presence-announcements.yaml");
        int env = edit(announcements, "id: presence-announcements", "id: presence-announcements # ${env:PRESENCE_API_TOKEN}");
        Path receipts = routes.resolve("delivery-receipts.yaml");
        int named = edit(receipts, "id: delivery-receipts", "id: delivery-receipts # ${properties:camel.component.aws2-sqs.secretKey}");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                retention + ":" + placeholder + ": policy: names the secret setting presence.db.password"
                        + " (PRESENCE_DB_PASSWORD): a route may not read a secret (it could log it or send it anywhere);"
                        + " the logins the routes need are set in Java",
                receipts + ":" + named + ": policy: reads ${properties:camel.component.aws2-sqs.secretKey}, a secret by"
                        + " its name: a route may not read a secret (it could log it or send it anywhere)",
                announcements + ":" + env + ": policy: names the secret setting presence.api.token (PRESENCE_API_TOKEN):"
                        + " a route may not read a secret (it could log it or send it anywhere); the logins the routes"
                        + " need are set in Java");
    }

    /**
     * The policy's ways around it, each closed (an independent review found them): a registry bean that is not the
     * service's (the pool holds the password), the Camel context from an expression, an intercept that runs before the
     * API's guard, a YAML escape that spells a secret's name, and a {@code #} line inside a block scalar.
     */
    @Test
    void theWaysAroundThePolicyAreRefused() throws IOException {
        Path routes = copy();
        Path retention = routes.resolve("delivery-log-retention.yaml");
        String step = "        - setBody:\n";
        Files.writeString(retention, Files.readString(retention).replace(step,
                "        - setBody:\n            method:\n              ref: presenceDataSource\n              method: getPassword\n"
                        + "        - setHeader:\n            name: x\n            simple: \"${camelContext.name}\"\n"
                        + "        - log:\n            message: \"{{presence.db.pass\\u0077ord}}\"\n"
                        + "        - log:\n            message: |\n              #{{presence.db.password}}\n" + step));
        int pool = edit(retention, "ref: presenceDataSource", "ref: presenceDataSource");
        int context = edit(retention, "${camelContext.name}", "${camelContext.name}");
        int escape = edit(retention, "pass\\u0077ord", "pass\\u0077ord");
        int block = edit(retention, "#{{presence.db.password}}", "#{{presence.db.password}}");
        Path errors = routes.resolve("error-handling.yaml");
        Files.writeString(errors, Files.readString(errors) + """
                - routeConfiguration:
                    id: before-the-guard
                    interceptFrom:
                      - interceptFrom:
                          uri: platform-http:*
                          steps:
                            - log:
                                message: intercepted
                """);

        List<String> problems = lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS));
        assertThat(problems).contains(
                retention + ":" + context + ": policy: an expression may not reach the Camel context (its registry holds"
                        + " every bean and property)",
                retention + ":" + escape + ": policy: a YAML escape (\\x, \\u, \\U, \\N, \\L, \\P, \\_) or a line"
                        + " continuation is not allowed in a route file: it could spell a name the secret check does not read",
                retention + ":" + block + ": policy: names the secret setting presence.db.password (PRESENCE_DB_PASSWORD):"
                        + " a route may not read a secret (it could log it or send it anywhere); the logins the routes"
                        + " need are set in Java");
        // the pool (check-routes' stand-in, a HikariDataSource; in the service its tracking subclass)
        assertThat(problems).anyMatch(p -> p.startsWith(retention + ":" + pool + ": policy: bean presenceDataSource (")
                && p.endsWith(") is not one a route may refer to: only the flows' steps (@RouteBean), which keep their"
                + " connections and secrets to themselves"));
        assertThat(problems).anyMatch(p -> p.contains("policy: routeConfiguration before-the-guard: intercept,"
                + " interceptFrom, interceptSendToEndpoint and onCompletion are not allowed in a route file"));
    }

    /** The policy: only the allowed components (no SQL of a route's own through camel-jdbc), written out. */
    @Test
    void aComponentOutsideTheAllowListIsRefused() throws IOException {
        Path routes = copy();
        Path retention = routes.resolve("delivery-log-retention.yaml");
        String step = "        - setBody:\n";
        Files.writeString(retention, Files.readString(retention).replace(step,
                "        - to: jdbc:presenceDataSource\n        - toD: \"${header.target}:x\"\n"
                        + "        - recipientList:\n            constant: log:a\n" + step));
        int jdbc = edit(retention, "- to: jdbc:presenceDataSource", "- to: jdbc:presenceDataSource");
        int dynamic = edit(retention, "- toD:", "- toD:");
        int recipients = edit(retention, "- recipientList:", "- recipientList:");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                retention + ":" + jdbc + ": policy: component jdbc is not allowed in a route (allowed: aws2-sqs, direct,"
                        + " lifecycle-events, log, outbox, paho-mqtt5, platform-http, scheduler, timer;"
                        + " docs/routes.md#what-a-route-file-may-do)",
                retention + ":" + dynamic + ": policy: endpoint ${header.target}:x: its component is chosen per"
                        + " message; write the component out (allowed: aws2-sqs, direct, lifecycle-events, log, outbox,"
                        + " paho-mqtt5, platform-http, scheduler, timer)",
                retention + ":" + recipients + ": policy: recipientList chooses its endpoints per message, which the"
                        + " component allow-list cannot check; use to (or toD with the component written out)");
    }

    /** The policy: every route of the read API starts with the guard; a bean a route makes is one of the service's. */
    @Test
    void anApiRouteWithoutTheGuardAndABeanTypeFromElsewhereAreRefused() throws IOException {
        Path routes = copy();
        Path api = routes.resolve("presence-api.yaml");
        Files.writeString(api, Files.readString(api).replace(
                "        - process:\n            ref: presenceApiGuard\n", ""));
        int users = edit(api, "uri: platform-http:/presence/users/{userId}", "uri: platform-http:/presence/users/{userId}");
        int first = edit(api, "uri: platform-http:/presence/{clientId}", "uri: platform-http:/presence/{clientId}");
        int history = edit(api, "uri: platform-http:/presence/{clientId}/history", "uri: platform-http:/presence/{clientId}/history");
        int usersHistory = edit(api, "uri: platform-http:/presence/users/{userId}/history",
                "uri: platform-http:/presence/users/{userId}/history");
        Path retention = routes.resolve("delivery-log-retention.yaml");
        Files.writeString(retention, Files.readString(retention).replace("        - setBody:\n",
                "        - bean:\n            beanType: java.lang.ProcessBuilder\n            method: start\n        - setBody:\n"));
        int beanType = edit(retention, "beanType: java.lang.ProcessBuilder", "beanType: java.lang.ProcessBuilder");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                retention + ":" + beanType + ": policy: bean type java.lang.ProcessBuilder: only the service's own"
                        + " classes (io.presencebroker.*) may be made by a route; refer to a bean of the registry instead",
                api + ":" + first + ": policy: route presence-api serves platform-http:/presence/{clientId}"
                        + " without the guard: its first step must be `process: ref: presenceApiGuard` (bearer token, rate limit)",
                api + ":" + users + ": policy: route presence-api-users serves platform-http:/presence/users/{userId}"
                        + " without the guard: its first step must be `process: ref: presenceApiGuard` (bearer token, rate limit)",
                api + ":" + history + ": policy: route presence-api-history serves platform-http:/presence/{clientId}/history"
                        + " without the guard: its first step must be `process: ref: presenceApiGuard` (bearer token, rate limit)",
                api + ":" + usersHistory + ": policy: route presence-api-users-history serves"
                        + " platform-http:/presence/users/{userId}/history without the guard: its first step must be"
                        + " `process: ref: presenceApiGuard` (bearer token, rate limit)");
    }

    @Test
    void aGreedySchedulerThatIsNotSynchronousIsRefused() throws IOException {
        Path routes = copy();
        Path announcements = routes.resolve("presence-announcements.yaml");
        edit(announcements, "        synchronous: true", "");
        // the problem is named by the line of greedy
        int greedy = edit(announcements, "        greedy: true", "        greedy: true");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                announcements + ":" + greedy + ": endpoint scheduler:presence-announcements: a greedy scheduler needs"
                        + " synchronous: true (else it looks again at once after every look whose route finishes on"
                        + " another thread)");
    }

    @Test
    void aMisspeltPropertyOfTheParsedEventIsRefusedInTheRouter() throws IOException {
        Path routes = copy();
        Path lifecycle = routes.resolve("lifecycle-events.yaml");
        int line = edit(lifecycle, "${header.eventType} in 'connected,disconnected'", "${body.eventTyp} in 'connected,disconnected'");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                lifecycle + ":" + line + ": `${body.eventTyp}`: LifecycleEvent has no property eventTyp (it has: clientId,"
                        + " disconnectReason, eventType, presence, sessionIdentifier, subscription, timestamp, topics,"
                        + " versionNumber)");
    }

    @Test
    void aHeaderNoStepBeforeSetsIsRefused() throws IOException {
        Path routes = copy();
        Path lifecycle = routes.resolve("lifecycle-events.yaml");
        int line = edit(lifecycle, "${header.eventType} in 'subscribed,unsubscribed'", "${header.eventTyp} in 'subscribed,unsubscribed'");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                lifecycle + ":" + line + ": `${header.eventTyp}`: no step before it sets header eventTyp (headers set"
                        + " before it: CamelAwsSqsMessageId, clientId, eventType)");
    }

    @Test
    void aMisspeltHeaderOrPropertyOfARecipientIsRefused() throws IOException {
        Path routes = copy();
        Path delivery = routes.resolve("delivery.yaml");
        int header = edit(delivery, "${header.deliverableOverSocket} && ${header.presenceFresh}",
                "${header.deliverableOverSockets} && ${header.presenceFresh}");
        int property = edit(delivery, "- simple: \"${header.deliverableOverSocket}\"",
                "- simple: \"${body.deliverableOverSockets}\"");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                delivery + ":" + header + ": `${header.deliverableOverSockets}`: no step before it sets header"
                        + " deliverableOverSockets (headers set before it: CamelAwsSqsMessageId, chatId,"
                        + " deliverableOverSocket, messageId, presenceFresh, sender, userId)",
                delivery + ":" + property + ": `${body.deliverableOverSockets}`: Delivery.Recipient has no property"
                        + " deliverableOverSockets (it has: chatId, deliverableOverSocket, delivery, presenceFresh, sender, status, userId)");
    }

    @Test
    void whatTheStepsBeforeLeaveIsAccepted() throws IOException {
        // the parser's headers (clientId) and body (a LifecycleEvent, its topics strings), a header set by a step
        // (named in any case, as Camel does), a property set on one path of a filter
        Path routes = RouteFiles.copy(temp.resolve("routes"), yaml -> RouteFiles.dropLoadTestClients(yaml)
                .replace("${header.eventType} in 'connected,disconnected'", "${body.eventType} in 'connected,disconnected'")
                .replace("            method: parse\n", """
                            method: parse
                        - setHeader:
                            name: topicCount
                            simple: "${body.topics.size}"
                        - filter:
                            simple: "${header.clientId} == 'c-1'"
                            steps:
                              - setProperty:
                                  name: first
                                  constant: "true"
                        - log: "${header.topiccount} topics, the first ${body.topics[0].length} long ${exchangeProperty.first}"
                """));
        // the dead-letter flow is called by other routes (direct:): any header may be there
        edit(routes.resolve("dead-letter.yaml"), "      steps:", "      steps:\n        - log: \"${header.setByTheCaller}\"");

        assertThat(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS)).isEmpty();
    }

    @Test
    void anUnknownFunctionAndBadSyntaxAreRefused() throws IOException {
        Path routes = copy();
        Path lifecycle = routes.resolve("lifecycle-events.yaml");
        int function = edit(lifecycle, "${header.eventType} in 'connected,disconnected'", "${heder.eventType} in 'connected,disconnected'");
        int syntax = edit(lifecycle, "${header.eventType} in 'subscribed,unsubscribed'", "${header.eventType in 'subscribed,unsubscribed'");

        assertThat(lines(RouteCheck.check(routes, Map.of(), PresenceBroker.CONFIGURATIONS))).containsExactly(
                lifecycle + ":" + function + ": simple `${heder.eventType} in 'connected,disconnected'`: Unknown function:"
                        + " heder.eventType (at character 0)",
                lifecycle + ":" + syntax + ": simple `${header.eventType in 'subscribed,unsubscribed'`: expected symbol"
                        + " functionEnd but was eol (at character 46)");
    }

    @Test
    void theCommandPrintsOneLinePerProblemAndExitsNonZero() throws IOException {
        Path routes = copy();
        edit(routes.resolve("lifecycle-events.yaml"), "method: chatSubscriptions", "method: chatSubscription");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = RouteCheck.run(routes, PresenceBroker.CONFIGURATIONS, new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(2)
                .last().isEqualTo("check-routes: 1 problem(s) in " + routes);
        out.reset();
        assertThat(RouteCheck.run(Path.of("routes"), PresenceBroker.CONFIGURATIONS, new PrintStream(out, true, StandardCharsets.UTF_8))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("check-routes: 11 route files in routes: no problems\n");
    }

    private Path copy() throws IOException {
        return RouteFiles.copy(temp.resolve("routes"));
    }

    /** Replaces the first occurrence of {@code from}; returns its line (1-based). */
    private static int edit(Path file, String from, String to) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(from)) {
                lines.set(i, lines.get(i).replace(from, to));
                Files.write(file, lines);
                return i + 1;
            }
        }
        throw new AssertionError(from + " is not in " + file);
    }

    private static List<String> lines(List<Problem> problems) {
        return problems.stream().map(Problem::toString).toList();
    }
}
