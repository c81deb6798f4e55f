package dev.territory.reporting;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.MetricsJson;

/** JSON helpers: one mapper; non-finite numbers as the strings "nan", "inf", "-inf" (team rule). */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Json() {}

    public static ObjectNode object() {
        return F.objectNode();
    }

    public static ArrayNode array() {
        return F.arrayNode();
    }

    /** A number node, or "nan"/"inf"/"-inf" for non-finite values. */
    public static JsonNode number(double v) {
        return MetricsJson.number(v);
    }

    public static void put(ObjectNode node, String key, double v) {
        node.set(key, number(v));
    }

    /** Reads a number written by {@link #number}: numeric nodes and the three strings. */
    public static double toDouble(JsonNode node) {
        return MetricsJson.readDouble(node);
    }

    public static ArrayNode numbers(double[] values) {
        ArrayNode a = array();
        for (double v : values) {
            a.add(number(v));
        }
        return a;
    }

    public static ArrayNode matrix(double[][] values) {
        ArrayNode a = array();
        for (double[] row : values) {
            a.add(numbers(row));
        }
        return a;
    }

    /** A one-line compact rendering (for .jsonl files). */
    public static String line(JsonNode node) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
