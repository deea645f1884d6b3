package io.presencebroker.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One CloudWatch embedded metric format document: a JSON object whose {@code _aws} member tells CloudWatch Logs which
 * of its top-level members are metrics (name, unit), in which namespace and under which dimensions; the values and
 * the dimension values are top-level members. CloudWatch Logs turns each such log line into metric data points
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
public final class EmfDocument {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The specification's limit per document. */
    static final int MAX_METRICS = 100;

    private final String namespace;
    private final long timestampMillis;
    private final Map<String, String> dimensions = new LinkedHashMap<>();
    private final Map<String, Number> values = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();

    public EmfDocument(String namespace, long timestampMillis) {
        if (namespace == null || namespace.isBlank() || namespace.length() > 255) {
            throw new IllegalArgumentException("EMF namespace must be 1 to 255 characters: " + namespace);
        }
        this.namespace = namespace;
        this.timestampMillis = timestampMillis;
    }

    public EmfDocument dimension(String name, String value) {
        dimensions.put(name, value);
        return this;
    }

    /** A metric: unit one of CloudWatch's (Count, Milliseconds, None, ...). */
    public EmfDocument metric(String name, Number value, String unit) {
        if (!values.containsKey(name) && values.size() == MAX_METRICS) {
            throw new IllegalStateException("more than " + MAX_METRICS + " metrics in one EMF document");
        }
        values.put(name, value);
        units.put(name, unit);
        return this;
    }

    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestampMillis);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", namespace);
        ArrayNode dimensionSet = directive.putArray("Dimensions").addArray();
        dimensions.keySet().forEach(dimensionSet::add);
        ArrayNode metrics = directive.putArray("Metrics");
        for (Map.Entry<String, String> unit : units.entrySet()) {
            metrics.addObject().put("Name", unit.getKey()).put("Unit", unit.getValue());
        }
        dimensions.forEach(root::put);
        values.forEach((k, v) -> root.set(k, MAPPER.valueToTree(v)));
        return root.toString();
    }

    List<String> metricNames() {
        return new ArrayList<>(values.keySet());
    }
}
