package io.presencebroker.check;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A route file against the JSON schema that camel-yaml-dsl ships ({@code schema/camelYamlDsl.json}, the one editors
 * use): a misspelt key, a step where none is allowed, a value of the wrong kind. Each problem with the line of the
 * offending node.
 */
final class RouteSchema {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Suffix of the paths under which the key nodes of mappings are kept (the line of a key is the line to name). */
    private static final String KEY = "#key";
    private final JsonSchema schema;

    RouteSchema() {
        try (InputStream in = RouteSchema.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/camelYamlDsl.json is not on the class path (camel-yaml-dsl)");
            }
            // the schema marks deprecated options with a keyword of its own: known here, so that it is not warned about
            JsonMetaSchema meta = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                    .keyword(new NonValidationKeyword("deprecated")).build();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, b -> b.metaSchema(meta)).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read camel-yaml-dsl's schema", e);
        }
    }

    /** The problems of one file; empty when it is valid. */
    List<Problem> check(String file, String text) {
        Node root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(file).build();
            root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode()
                    .orElse(null);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            return List.of(new Problem(file, line, "not valid YAML: " + e.getProblem()));
        }
        if (root == null) {
            return List.of();
        }
        Map<String, Node> byPath = new LinkedHashMap<>();
        JsonNode json = toJson(root, "$", byPath);
        Set<ValidationMessage> messages = schema.validate(json);
        return problems(file, messages, byPath);
    }

    /**
     * The schema reports a bad step once per alternative it tried (oneOf, anyOf); what an editor needs is the
     * deepest, most specific message per node: each unknown property (a misspelt key) wherever it is, even when a node
     * below has a problem of its own (a misspelt {@code otherwise} of a choice within a choice), else the deepest one.
     */
    private static List<Problem> problems(String file, Set<ValidationMessage> messages, Map<String, Node> byPath) {
        Map<String, List<ValidationMessage>> byLocation = new LinkedHashMap<>();
        for (ValidationMessage m : messages) {
            byLocation.computeIfAbsent(m.getInstanceLocation().toString(), k -> new ArrayList<>()).add(m);
        }
        List<Problem> problems = new ArrayList<>();
        for (Map.Entry<String, List<ValidationMessage>> e : byLocation.entrySet()) {
            String location = e.getKey();
            List<ValidationMessage> unknown = e.getValue().stream()
                    .filter(m -> "additionalProperties".equals(m.getType())).toList();
            if (!unknown.isEmpty()) {
                for (ValidationMessage m : unknown) {
                    problems.add(problem(file, location, m, byPath));
                }
                continue;
            }
            boolean deeper = byLocation.keySet().stream().anyMatch(other -> !other.equals(location)
                    && (other.startsWith(location + ".") || other.startsWith(location + "[")));
            if (deeper) {
                continue; // a node below says more
            }
            if (e.getValue().stream().allMatch(m -> "type".equals(m.getType()))
                    && byPath.get(location) instanceof ScalarNode scalar && scalar.getValue().contains("{{")) {
                continue; // a property placeholder stands for a value of any type; checked on its own
            }
            problems.add(problem(file, location, e.getValue().get(0), byPath));
        }
        return problems;
    }

    private static Problem problem(String file, String location, ValidationMessage m, Map<String, Node> byPath) {
        String message = m.getMessage().replaceFirst("^\\$[^:]*: ", "");
        Node node = nodeOf(location, m, byPath);
        int line = node == null ? 1 : node.getStartMark().map(mark -> mark.getLine() + 1).orElse(1);
        return new Problem(file, line, "schema: " + message + " (at " + location + ")");
    }

    /** The node to name: the key of an unknown property, else the key of the value at the location, else the value. */
    private static Node nodeOf(String location, ValidationMessage m, Map<String, Node> byPath) {
        if ("additionalProperties".equals(m.getType()) && m.getProperty() != null) {
            Node key = byPath.get(location + "." + m.getProperty() + KEY);
            if (key != null) {
                return key;
            }
        }
        Node key = byPath.get(location + KEY);
        return key != null ? key : byPath.get(location);
    }

    private static JsonNode toJson(Node node, String path, Map<String, Node> byPath) {
        byPath.put(path, node);
        if (node instanceof MappingNode mapping) {
            ObjectNode object = JSON.objectNode();
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : String.valueOf(tuple.getKeyNode());
                object.set(key, toJson(tuple.getValueNode(), path + "." + key, byPath));
                byPath.put(path + "." + key + KEY, tuple.getKeyNode());
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = JSON.arrayNode();
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                array.add(toJson(items.get(i), path + "[" + i + "]", byPath));
            }
            return array;
        }
        ScalarNode scalar = (ScalarNode) node;
        String value = scalar.getValue();
        Tag tag = scalar.getTag();
        try {
            if (Tag.BOOL.equals(tag)) {
                return JSON.booleanNode(Boolean.parseBoolean(value.toLowerCase()));
            }
            if (Tag.INT.equals(tag)) {
                return JSON.numberNode(Long.parseLong(value));
            }
            if (Tag.FLOAT.equals(tag)) {
                return JSON.numberNode(Double.parseDouble(value));
            }
        } catch (NumberFormatException e) {
            return JSON.textNode(value);
        }
        if (Tag.NULL.equals(tag)) {
            return JSON.nullNode();
        }
        return JSON.textNode(value);
    }
}
