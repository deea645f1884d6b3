package io.presencebroker.deploy;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.presencebroker.config.Setting;
import io.presencebroker.config.SettingDeclarations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks over deploy/template.yaml that cfn-lint and the Control Tower rules do not make (issue 26, items 7 and 8).
 * The template is read with its CloudFormation tags as the functions they stand for ({@code !Ref X} as
 * {@code {"Ref": "X"}}, {@code !If} as {@code {"Fn::If": [...]}}, ...) and evaluated as CloudFormation would for a
 * set of parameter values: its conditions computed, {@code Fn::If} branches taken, {@code AWS::NoValue} dropped,
 * resources whose condition is false left out, parameters replaced by their values. Each check runs on the defaults
 * and with every flow the stack can switch on (delivery, receipts, announcements over SQS and MQTT, the read API,
 * routes from S3, rotation off with an existing database), one at a time and all together.
 */
class DeployTemplateTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final JsonNode TEMPLATE = read();
    /** Properties that name a resource account-wide (a fixed value makes a second stack fail). */
    static final Set<String> NAMING = Set.of("LogGroupName", "QueueName", "Family", "DashboardName", "RoleName",
            "TopicName", "AlarmName", "RuleName", "BucketName", "ClusterName", "ServiceName", "Name",
            "DBInstanceIdentifier", "DBClusterIdentifier", "PolicyName");
    /** Resource types whose Name is scoped to another resource of the stack, not to the account. */
    static final Set<String> SCOPED_NAMES = Set.of(
            "AWS::ServiceDiscovery::Service"); // a service within the stack's own namespace (api.<namespace>)
    /** The SQS actions the service's task role holds on each queue, and no others. */
    static final Map<String, Set<String>> QUEUE_ACTIONS = Map.of(
            "EventsQueue", Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage"),
            "DeadLetterQueue", Set.of("sqs:SendMessage", "sqs:GetQueueUrl"),
            "AnnouncementsQueue", Set.of("sqs:SendMessage", "sqs:GetQueueUrl"),
            "OutboxQueue", Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl", "sqs:GetQueueAttributes"),
            "PushQueue", Set.of("sqs:SendMessage", "sqs:GetQueueUrl"),
            "ReceiptsQueue", Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl", "sqs:GetQueueAttributes"));
    /** A flow's parameter and the switch it sets in the service container: "true" when on, never by default. */
    static final Map<String, String> FLOW_SWITCHES = Map.of(
            "DeliveryEnabled", "PRESENCE_DELIVERY_ENABLED",
            "ReceiptsEnabled", "PRESENCE_DELIVERY_RECEIPTS_ENABLED",
            "AnnouncementsEnabled", "PRESENCE_ANNOUNCEMENTS_ENABLED",
            "AnnouncementsMqttEnabled", "PRESENCE_ANNOUNCEMENTS_MQTT_ENABLED",
            "ApiEnabled", "PRESENCE_API_ENABLED",
            "ReconcileEnabled", "PRESENCE_RECONCILE_ENABLED");
    /**
     * What a flow needs that settings.yaml's required-when cannot say (not a switch, or a setting the service reads
     * only when present), by the parameter value that turns it on.
     */
    static final Map<String, List<String>> FLOW_VARIABLES = Map.of(
            "RoutesFromS3=true", List.of("PRESENCE_ROUTES_S3_URI", "PRESENCE_ROUTES_MANIFEST_SHA256"),
            "DeliveryEnabled=true", List.of("PRESENCE_MQTT_CLIENT_CERTIFICATE", "PRESENCE_MQTT_CLIENT_KEY"),
            "AnnouncementsMqttEnabled=true", List.of("PRESENCE_MQTT_CLIENT_CERTIFICATE", "PRESENCE_MQTT_CLIENT_KEY"),
            "DatabaseRotationSchedule=rate(30 days)", List.of("PRESENCE_DB_SECRET_ARN"));

    static final String SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";
    static final Map<String, String> MQTT = Map.of("IotEndpoint", "a1b2c3-ats.iot.eu-west-1.amazonaws.com",
            "MqttCertificateSecretArn", SECRET + "presence-mqtt-AbCdEf");

    static Stream<Arguments> scenarios() {
        Map<String, Map<String, String>> s = new LinkedHashMap<>();
        s.put("defaults", Map.of());
        s.put("delivery", with(MQTT, "DeliveryEnabled", "true"));
        s.put("delivery and receipts", with(MQTT, "DeliveryEnabled", "true", "ReceiptsEnabled", "true"));
        s.put("announcements over SQS", Map.of("AnnouncementsEnabled", "true"));
        s.put("announcements over SQS and MQTT", with(MQTT, "AnnouncementsEnabled", "true",
                "AnnouncementsMqttEnabled", "true"));
        s.put("read API", Map.of("ApiEnabled", "true", "ApiTokenSecretArn", SECRET + "presence-api-AbCdEf",
                "ApiSourceSecurityGroupId", "sg-0123456789abcdef0"));
        s.put("routes from S3", Map.of("RoutesFromS3", "true", "RoutesManifestSha256", "0".repeat(64),
                "RoutesDeployerArn", "arn:aws:iam::123456789012:role/routes-deployer"));
        s.put("existing database, no rotation", Map.of("DatabaseRotationSchedule", "",
                "DatabaseEndpoint", "presence.abcdefghijkl.eu-west-1.rds.amazonaws.com",
                "DatabasePasswordSecretArn", SECRET + "presence-db-AbCdEf", "DatabasePasswordSecretKey", "password"));
        s.put("reconciliation", Map.of("ReconcileEnabled", "true", "ReconcileRequestsPerSecond", "25"));
        Map<String, String> all = new TreeMap<>();
        s.values().stream().filter(m -> !m.containsKey("DatabaseRotationSchedule")).forEach(all::putAll);
        s.put("everything on", all);
        return s.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    static Map<String, String> with(Map<String, String> base, String... more) {
        Map<String, String> m = new TreeMap<>(base);
        for (int i = 0; i < more.length; i += 2) {
            m.put(more[i], more[i + 1]);
        }
        return m;
    }

    @Test
    void nothingHasAFixedName() {
        List<String> fixed = new ArrayList<>();
        TEMPLATE.get("Resources").fields().forEachRemaining(resource -> {
            if (SCOPED_NAMES.contains(resource.getValue().path("Type").asText())) {
                return;
            }
            resource.getValue().path("Properties").fields().forEachRemaining(p -> {
                boolean engineFamily = p.getKey().equals("Family") // a parameter group's family is its engine's, no name
                        && resource.getValue().path("Type").asText().equals("AWS::RDS::DBParameterGroup");
                if (NAMING.contains(p.getKey()) && !engineFamily) {
                    fixedNames(p.getValue()).forEach(v -> fixed.add(resource.getKey() + "." + p.getKey() + " = " + v));
                }
            });
        });
        assertThat(fixed).as("names not made from the stack's name or a parameter").isEmpty();
    }

    /** The literal names a name property can take (each branch of an Fn::If; a Sub without a reference). */
    static List<String> fixedNames(JsonNode value) {
        if (value.isTextual()) {
            return List.of(value.asText());
        }
        if (value.has("Fn::If")) {
            List<String> names = new ArrayList<>(fixedNames(value.get("Fn::If").get(1)));
            names.addAll(fixedNames(value.get("Fn::If").get(2)));
            return names;
        }
        if (value.has("Fn::Sub")) {
            String text = value.get("Fn::Sub").isArray() ? value.get("Fn::Sub").get(0).asText() : value.get("Fn::Sub").asText();
            return text.contains("${") ? List.of() : List.of(text);
        }
        return List.of(); // Ref, GetAtt: a parameter or another resource's name
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void theScenarioIsADeploymentTheRulesAccept(String scenario, Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        assertThat(stack.failedRules()).as("Rules assertions failing in " + scenario).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everySettingTheServiceRequiresIsSetInItsTaskDefinition(String scenario, Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        Map<String, JsonNode> set = stack.variables("TaskDefinition", "presence-broker");
        List<String> missing = new ArrayList<>();
        for (Setting s : SettingDeclarations.load().all()) {
            boolean always = s.required();
            List<String> on = s.requiredWhen().stream().filter(sw -> isTrue(set.get(variable(sw)))).toList();
            boolean noDefault = s.defaultValue() == null || s.defaultValue().isEmpty();
            if ((always || !on.isEmpty() && noDefault) && !set.containsKey(s.variable())
                    && !s.variable().equals("AWS_REGION")) { // Fargate sets AWS_REGION
                missing.add(s.variable() + (always ? "" : " (needed by " + on + ")"));
            }
        }
        FLOW_VARIABLES.forEach((parameter, variables) -> {
            String[] p = parameter.split("=", 2);
            if (stack.parameter(p[0]).equals(p[1])) {
                variables.stream().filter(v -> !set.containsKey(v)).forEach(v -> missing.add(v + " (needed by " + parameter + ")"));
            }
        });
        assertThat(missing).as("required settings the task definition does not set, " + scenario).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void eachFlowIsOnExactlyWhenItsParameterIs(String scenario, Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        Map<String, JsonNode> set = stack.variables("TaskDefinition", "presence-broker");
        Map<String, Boolean> expected = new TreeMap<>();
        Map<String, Boolean> actual = new TreeMap<>();
        FLOW_SWITCHES.forEach((parameter, variable) -> {
            expected.put(variable, stack.parameter(parameter).equals("true"));
            actual.put(variable, isTrue(set.get(variable)));
        });
        assertThat(actual).as("flow switches of the service container, " + scenario).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyQueueTheServiceUsesHasItsActionsAndNoOthers(String scenario, Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        Map<String, Set<String>> granted = new TreeMap<>();
        Map<String, Set<String>> secrets = new TreeMap<>();
        statements(stack.resource("TaskRole").path("Properties").path("Policies"), stack, granted, secrets);
        Set<String> used = new TreeSet<>();
        stack.variables("TaskDefinition", "presence-broker").values().forEach(value -> {
            String queue = getAtt(value, "QueueName");
            if (queue != null) {
                used.add(queue);
            }
        });
        assertThat(QUEUE_ACTIONS.keySet()).as("queues whose actions this test knows").containsAll(used);
        for (String queue : used) {
            assertThat(granted.getOrDefault(queue, Set.of())).as("SQS actions of the task role on " + queue + ", " + scenario)
                    .isEqualTo(QUEUE_ACTIONS.get(queue));
        }
        assertThat(granted.keySet()).as("queues the task role may use, " + scenario).isSubsetOf(used);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everySecretIsReadableByWhoReadsItAndNoOther(String scenario, Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        // ECS reads the containers' secrets at start with the execution role
        Set<String> injected = new TreeSet<>();
        for (String container : List.of("migrate", "presence-broker")) {
            for (JsonNode secret : stack.container("TaskDefinition", container).path("Secrets")) {
                injected.add(secretOf(secret.get("ValueFrom"), stack));
            }
        }
        Map<String, Set<String>> execution = new TreeMap<>();
        statements(stack.resource("TaskExecutionRole").path("Properties").path("Policies"), stack, new TreeMap<>(), execution);
        assertThat(execution.keySet()).as("secrets the execution role reads, " + scenario).isEqualTo(injected);
        // the service itself reads only the secret of PRESENCE_DB_SECRET_ARN (the refresh after a rotation)
        JsonNode refresh = stack.variables("TaskDefinition", "presence-broker").get("PRESENCE_DB_SECRET_ARN");
        Map<String, Set<String>> task = new TreeMap<>();
        statements(stack.resource("TaskRole").path("Properties").path("Policies"), stack, new TreeMap<>(), task);
        assertThat(task.keySet()).as("secrets the task role reads, " + scenario)
                .isEqualTo(refresh == null ? Set.of() : Set.of(secretOf(refresh, stack)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void reconciliationReadsOnlyTheConnectivityRecordAndItsRepairsAreAlarmedExactlyWhenOn(String scenario,
                                                                                        Map<String, String> parameters) {
        Stack stack = new Stack(parameters);
        boolean on = stack.parameter("ReconcileEnabled").equals("true");
        Set<String> iotActions = new TreeSet<>();
        collectActions(stack.resource("TaskRole").path("Properties").path("Policies"), "iot:", iotActions);
        assertThat(iotActions).as("AWS IoT actions of the task role, " + scenario)
                .isEqualTo(on ? Set.of("iot:GetThingConnectivityData") : Set.of());
        JsonNode alarm = stack.resource("RepairsAlarm");
        assertThat(alarm.isMissingNode()).as("repairs alarm, " + scenario).isEqualTo(!on);
        if (on) {
            assertThat(alarm.path("Properties").path("MetricName").asText()).isEqualTo("Repairs");
            assertThat(alarm.path("Properties").path("Period").asInt()).isEqualTo(3600);
            assertThat(stack.variables("TaskDefinition", "presence-broker").get("PRESENCE_RECONCILE_REQUESTS_PER_SECOND")
                    .asText()).isEqualTo(stack.parameter("ReconcileRequestsPerSecond"));
        }
    }

    static void collectActions(JsonNode node, String prefix, Set<String> into) {
        if (node.isArray() || node.isObject()) {
            if (node.has("Effect") && node.has("Action")) {
                list(node.get("Action")).stream().map(JsonNode::asText).filter(a -> a.startsWith(prefix)).forEach(into::add);
            } else {
                node.forEach(n -> collectActions(n, prefix, into));
            }
        }
    }

    /** The SQS actions (by queue) and Secrets Manager reads (by secret) of a policy's statements. */
    static void statements(JsonNode node, Stack stack, Map<String, Set<String>> queues, Map<String, Set<String>> secrets) {
        if (node.isArray()) {
            node.forEach(n -> statements(n, stack, queues, secrets));
        } else if (node.isObject()) {
            if (node.has("Effect") && node.has("Action") && node.has("Resource")) {
                List<String> actions = new ArrayList<>();
                list(node.get("Action")).forEach(a -> actions.add(a.asText()));
                for (JsonNode r : list(node.get("Resource"))) {
                    String queue = getAtt(r, "Arn");
                    if (queue != null && stack.resource(queue).path("Type").asText().equals("AWS::SQS::Queue")) {
                        actions.stream().filter(a -> a.startsWith("sqs:"))
                                .forEach(a -> queues.computeIfAbsent(queue, k -> new TreeSet<>()).add(a));
                    }
                    if (actions.contains("secretsmanager:GetSecretValue")) {
                        secrets.computeIfAbsent(secretOf(r, stack), k -> new TreeSet<>()).add("secretsmanager:GetSecretValue");
                    }
                }
            } else {
                node.forEach(n -> statements(n, stack, queues, secrets));
            }
        }
    }

    static List<JsonNode> list(JsonNode node) {
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else {
            items.add(node);
        }
        return items;
    }

    /** The resource of a GetAtt of the given attribute, else null. */
    static String getAtt(JsonNode value, String attribute) {
        JsonNode g = value.path("Fn::GetAtt");
        if (g.isTextual() && g.asText().endsWith("." + attribute)) {
            return g.asText().substring(0, g.asText().length() - attribute.length() - 1);
        }
        if (g.isArray() && g.size() == 2 && g.get(1).asText().equals(attribute)) {
            return g.get(0).asText();
        }
        return null;
    }

    static final Pattern SUB_REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9:]+)}");

    /** The secret a value names: a resource's logical id, or an ARN (a parameter's value), without a JSON key. */
    static String secretOf(JsonNode value, Stack stack) {
        if (value.has("Ref")) {
            return value.get("Ref").asText();
        }
        if (value.has("Fn::Sub")) {
            Matcher m = SUB_REFERENCE.matcher(value.get("Fn::Sub").asText());
            if (m.find()) {
                String name = m.group(1);
                return TEMPLATE.path("Parameters").has(name) ? stack.parameter(name) : name;
            }
        }
        return value.asText().replaceFirst("(:secret:[^:]+):.*$", "$1");
    }

    static boolean isTrue(JsonNode value) {
        return value != null && value.isTextual() && value.asText().equals("true");
    }

    static String variable(String setting) {
        return setting.toUpperCase().replace('.', '_').replace('-', '_');
    }

    /** The template evaluated for a set of parameter values (the others at their defaults). */
    static final class Stack {
        final Map<String, String> parameters = new TreeMap<>();
        final Map<String, Boolean> conditions = new TreeMap<>();
        final ObjectNode resources = JSON.objectNode();

        Stack(Map<String, String> overrides) {
            TEMPLATE.path("Parameters").fields().forEachRemaining(p ->
                    parameters.put(p.getKey(), p.getValue().path("Default").asText(p.getKey().equals("SubnetIds")
                            ? "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb" : "stand-in-" + p.getKey())));
            parameters.putAll(overrides);
            overrides.keySet().forEach(k -> assertThat(TEMPLATE.path("Parameters").has(k)).as("parameter " + k).isTrue());
            TEMPLATE.path("Conditions").fieldNames().forEachRemaining(this::condition);
            TEMPLATE.path("Resources").fields().forEachRemaining(r -> {
                JsonNode c = r.getValue().path("Condition");
                if (c.isMissingNode() || condition(c.asText())) {
                    JsonNode resolved = resolve(r.getValue());
                    resources.set(r.getKey(), resolved);
                }
            });
        }

        String parameter(String name) {
            return parameters.get(name);
        }

        JsonNode resource(String name) {
            return resources.path(name);
        }

        boolean condition(String name) {
            if (!conditions.containsKey(name)) {
                JsonNode c = TEMPLATE.path("Conditions").get(name);
                assertThat(c).as("condition " + name).isNotNull();
                conditions.put(name, test(c));
            }
            return conditions.get(name);
        }

        /** A condition function (also a Rules one), evaluated. */
        boolean test(JsonNode f) {
            if (f.has("Condition")) {
                return condition(f.get("Condition").asText());
            }
            if (f.has("Fn::Equals")) {
                return value(f.get("Fn::Equals").get(0)).equals(value(f.get("Fn::Equals").get(1)));
            }
            if (f.has("Fn::Not")) {
                return !test(list(f.get("Fn::Not")).get(0));
            }
            if (f.has("Fn::And")) {
                boolean all = true;
                for (JsonNode c : f.get("Fn::And")) {
                    all &= test(c);
                }
                return all;
            }
            if (f.has("Fn::Or")) {
                boolean any = false;
                for (JsonNode c : f.get("Fn::Or")) {
                    any |= test(c);
                }
                return any;
            }
            throw new AssertionError("condition function this test does not know: " + f);
        }

        String value(JsonNode v) {
            return v.has("Ref") ? parameters.get(v.get("Ref").asText()) : v.asText();
        }

        List<String> failedRules() {
            List<String> failed = new ArrayList<>();
            TEMPLATE.path("Rules").fields().forEachRemaining(rule -> {
                JsonNode when = rule.getValue().get("RuleCondition");
                if (when == null || test(when)) {
                    for (JsonNode a : rule.getValue().path("Assertions")) {
                        if (!test(a.get("Assert"))) {
                            failed.add(rule.getKey() + ": " + a.path("AssertDescription").asText());
                        }
                    }
                }
            });
            return failed;
        }

        /** Fn::If taken, AWS::NoValue dropped (null), parameters replaced by their values; the rest as written. */
        JsonNode resolve(JsonNode node) {
            if (node.isObject()) {
                if (node.size() == 1 && node.has("Fn::If")) {
                    JsonNode f = node.get("Fn::If");
                    return resolve(condition(f.get(0).asText()) ? f.get(1) : f.get(2));
                }
                if (node.size() == 1 && node.has("Ref")) {
                    String name = node.get("Ref").asText();
                    if (name.equals("AWS::NoValue")) {
                        return null;
                    }
                    return parameters.containsKey(name) ? JSON.textNode(parameters.get(name)) : node;
                }
                ObjectNode out = JSON.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode v = resolve(e.getValue());
                    if (v != null) {
                        out.set(e.getKey(), v);
                    }
                }
                return out;
            }
            if (node.isArray()) {
                ArrayNode out = JSON.arrayNode();
                node.forEach(n -> {
                    JsonNode v = resolve(n);
                    if (v != null) {
                        out.add(v);
                    }
                });
                return out;
            }
            return node;
        }

        JsonNode container(String taskDefinition, String name) {
            for (JsonNode c : resource(taskDefinition).path("Properties").path("ContainerDefinitions")) {
                if (c.path("Name").asText().equals(name)) {
                    return c;
                }
            }
            throw new AssertionError("no container " + name + " in " + taskDefinition);
        }

        /** The variables a container is given (environment and secrets): their values, or ValueFrom. */
        Map<String, JsonNode> variables(String taskDefinition, String name) {
            Map<String, JsonNode> found = new TreeMap<>();
            JsonNode container = container(taskDefinition, name);
            for (String list : List.of("Environment", "Secrets")) {
                for (JsonNode v : container.path(list)) {
                    if (v.has("Value") && v.get("Value").isTextual() && v.get("Value").asText().isEmpty()) {
                        continue; // an empty value is no value: the service reads a blank setting as not set
                    }
                    JsonNode previous = found.put(v.get("Name").asText(), v.has("Value") ? v.get("Value") : v.get("ValueFrom"));
                    assertThat(previous).as(name + " sets " + v.get("Name").asText() + " twice").isNull();
                }
            }
            return found;
        }
    }

    // ---------------------------------------------------------------- reading the template with its tags

    static JsonNode read() {
        try (Reader in = Files.newBufferedReader(Path.of("deploy", "template.yaml"))) {
            Object yaml = new Yaml(new CloudFormationTags()).load(in);
            return new ObjectMapper().valueToTree(yaml);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code !Ref X} as {"Ref": "X"}, {@code !Condition C} as {"Condition": "C"}, any other {@code !F ...} as {"Fn::F": ...}. */
    static final class CloudFormationTags extends SafeConstructor {
        CloudFormationTags() {
            super(new LoaderOptions());
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String tag = node.getTag().getValue().substring(1);
                    String key = tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag;
                    Object value;
                    if (node instanceof ScalarNode scalar) {
                        value = constructScalar(scalar);
                    } else if (node instanceof SequenceNode sequence) {
                        value = constructSequence(sequence);
                    } else {
                        value = constructMapping((MappingNode) node);
                    }
                    return Map.of(key, value);
                }
            });
        }
    }
}
