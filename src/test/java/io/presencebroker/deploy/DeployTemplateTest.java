package io.presencebroker.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.presencebroker.config.Setting;
import io.presencebroker.config.SettingDeclarations;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks over the parsed deploy/template.yaml that cfn-lint and the Control Tower rules do not make (issue 26, item
 * 8). The YAML is read with its CloudFormation tags dropped: {@code !Ref X} reads as "X", {@code !GetAtt Q.Arn} as
 * "Q.Arn", {@code !Sub ...} as its string, {@code !If [c, a, b]} as the list; enough to see names and wiring.
 */
class DeployTemplateTest {

    static final JsonNode TEMPLATE = read();
    /** Properties that name a resource account-wide (a fixed value makes a second stack fail). */
    static final Set<String> NAMING = Set.of("LogGroupName", "QueueName", "Family", "DashboardName", "RoleName",
            "TopicName", "AlarmName", "RuleName", "BucketName", "ClusterName", "ServiceName", "Name",
            "DBInstanceIdentifier", "DBClusterIdentifier", "PolicyName");
    /** The SQS actions the service's task role holds on each queue, and no others. */
    static final Map<String, Set<String>> QUEUE_ACTIONS = Map.of(
            "EventsQueue", Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SendMessage"),
            "DeadLetterQueue", Set.of("sqs:SendMessage", "sqs:GetQueueUrl"),
            "AnnouncementsQueue", Set.of("sqs:SendMessage", "sqs:GetQueueUrl"));

    static JsonNode read() {
        try {
            return new YAMLMapper().readTree(Path.of("deploy", "template.yaml").toFile());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void nothingHasAFixedName() {
        List<String> fixed = new ArrayList<>();
        TEMPLATE.get("Resources").fields().forEachRemaining(resource -> {
            JsonNode properties = resource.getValue().path("Properties");
            properties.fields().forEachRemaining(p -> {
                if (NAMING.contains(p.getKey()) && p.getValue().isTextual()
                        && !p.getValue().asText().contains("AWS::StackName") && !isReference(p.getValue().asText())) {
                    fixed.add(resource.getKey() + "." + p.getKey() + " = " + p.getValue().asText());
                }
            });
        });
        assertThat(fixed).as("names not made from the stack's name").isEmpty();
    }

    /** A !Ref or !GetAtt of a resource or parameter (read as its target), not a literal. */
    static boolean isReference(String value) {
        String target = value.contains(".") ? value.substring(0, value.indexOf('.')) : value;
        return TEMPLATE.path("Resources").has(target) || TEMPLATE.path("Parameters").has(target);
    }

    @Test
    void everySettingTheServiceRequiresIsSetInItsTaskDefinition() {
        Set<String> set = variables(container("TaskDefinition", "presence-broker"));
        List<String> missing = new ArrayList<>();
        for (Setting s : SettingDeclarations.load().all()) {
            boolean always = s.required();
            // a flow the stack can switch on (its switch is set in the task definition) needs its settings too
            boolean switchedOn = s.requiredWhen().stream().anyMatch(sw -> set.contains(variable(sw)));
            boolean noDefault = s.defaultValue() == null || s.defaultValue().isEmpty();
            if ((always || switchedOn && noDefault) && !set.contains(s.variable())
                    && !s.variable().equals("AWS_REGION")) { // Fargate sets AWS_REGION
                missing.add(s.variable() + (always ? "" : " (needed by " + s.requiredWhen() + ")"));
            }
        }
        assertThat(missing).as("required settings the task definition does not set").isEmpty();
    }

    @Test
    void everyQueueTheServiceUsesHasItsActionsAndNoOthers() {
        Map<String, Set<String>> granted = new TreeMap<>();
        for (JsonNode policy : TEMPLATE.path("Resources").path("TaskRole").path("Properties").path("Policies")) {
            statements(policy, granted);
        }
        Set<String> used = new TreeSet<>();
        variablesAndValues(container("TaskDefinition", "presence-broker")).forEach((name, value) -> {
            if (value.endsWith(".QueueName")) {
                used.add(value.substring(0, value.indexOf('.')));
            }
        });
        assertThat(used).as("queues the service is given").isEqualTo(QUEUE_ACTIONS.keySet());
        for (String queue : used) {
            assertThat(granted.getOrDefault(queue, Set.of())).as("SQS actions of the task role on " + queue)
                    .isEqualTo(QUEUE_ACTIONS.get(queue));
        }
        assertThat(granted.keySet()).as("queues the task role may use").isSubsetOf(used);
    }

    /** The SQS actions of every statement of a policy (also those inside !If), by the queue resource they name. */
    static void statements(JsonNode node, Map<String, Set<String>> granted) {
        if (node.isArray()) {
            node.forEach(n -> statements(n, granted));
        } else if (node.isObject()) {
            if (node.has("Effect") && node.has("Action") && node.has("Resource")) {
                List<String> actions = new ArrayList<>();
                (node.get("Action").isArray() ? node.get("Action") : List.of(node.get("Action")))
                        .forEach(a -> actions.add(((JsonNode) a).asText()));
                List<String> resources = new ArrayList<>();
                (node.get("Resource").isArray() ? node.get("Resource") : List.of(node.get("Resource")))
                        .forEach(r -> resources.add(((JsonNode) r).asText()));
                for (String r : resources) {
                    if (r.endsWith(".Arn") && TEMPLATE.path("Resources").path(r.substring(0, r.length() - 4))
                            .path("Type").asText().equals("AWS::SQS::Queue")) {
                        actions.stream().filter(a -> a.startsWith("sqs:")).forEach(a ->
                                granted.computeIfAbsent(r.substring(0, r.length() - 4), k -> new TreeSet<>()).add(a));
                    }
                }
            } else {
                node.forEach(n -> statements(n, granted));
            }
        }
    }

    static JsonNode container(String taskDefinition, String name) {
        for (JsonNode c : TEMPLATE.path("Resources").path(taskDefinition).path("Properties").path("ContainerDefinitions")) {
            if (c.path("Name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + taskDefinition);
    }

    /** The variables a container is given (environment and secrets, also those inside !If). */
    static Set<String> variables(JsonNode container) {
        return variablesAndValues(container).keySet();
    }

    static Map<String, String> variablesAndValues(JsonNode container) {
        Map<String, String> found = new TreeMap<>();
        for (String list : List.of("Environment", "Secrets")) {
            collect(container.path(list), found);
        }
        return found;
    }

    private static void collect(JsonNode node, Map<String, String> found) {
        if (node.isArray()) {
            node.forEach(n -> collect(n, found));
        } else if (node.isObject() && node.has("Name")) {
            JsonNode value = node.has("Value") ? node.get("Value") : node.get("ValueFrom");
            found.put(node.get("Name").asText(), value == null ? "" : value.toString().replace("\"", ""));
        }
    }

    static String variable(String setting) {
        return setting.toUpperCase().replace('.', '_').replace('-', '_');
    }
}
