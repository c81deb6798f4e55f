package dev.territory.statistics;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON in the notebook's layout (cell 9, snake_case keys) for the metric records.
 *
 * <p>Non-finite doubles are written as the strings {@code "nan"}, {@code "inf"}, {@code "-inf"}, so
 * that strict JSON parsers read the file (Python's {@code float()} parses these strings). Readers
 * accept those strings, Jackson's {@code "NaN"}/{@code "Infinity"}/{@code "-Infinity"} (as strings or,
 * as Python's {@code json.dump} writes them, bare tokens), and ordinary numbers.
 */
public final class MetricsJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A mapper that reads bare NaN/Infinity tokens and pretty-prints. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private MetricsJson() {}

    // ---------------------------------------------------------------- writers

    /** A double as a JSON node: a number, or "nan" / "inf" / "-inf". */
    public static JsonNode number(double value) {
        if (Double.isNaN(value)) {
            return NODES.textNode("nan");
        }
        if (Double.isInfinite(value)) {
            return NODES.textNode(value > 0 ? "inf" : "-inf");
        }
        return NODES.numberNode(value);
    }

    /** Sets {@code key} to {@link #number(double)} of {@code value}. */
    public static void put(ObjectNode node, String key, double value) {
        node.set(key, number(value));
    }

    public static ArrayNode array(double[] values) {
        ArrayNode node = NODES.arrayNode(values.length);
        for (double v : values) {
            node.add(number(v));
        }
        return node;
    }

    public static ArrayNode matrix(double[][] values) {
        ArrayNode node = NODES.arrayNode(values.length);
        for (double[] row : values) {
            node.add(array(row));
        }
        return node;
    }

    /** {@code compute_specialization_metrics}'s dict. */
    public static ObjectNode toJson(SpecializationMetrics m) {
        ObjectNode node = NODES.objectNode();
        node.set("mean_head_variance", number(m.meanHeadVariance()));
        node.set("mean_head_correlation", number(m.meanHeadCorrelation()));
        node.set("specialization_index", number(m.specializationIndex()));
        node.set("effective_heads", number(m.effectiveHeads()));
        node.set("effective_ratio", number(m.effectiveRatio()));
        node.set("layer_variances", array(m.layerVariances()));
        node.set("early_variance", number(m.earlyVariance()));
        node.set("middle_variance", number(m.middleVariance()));
        node.set("late_variance", number(m.lateVariance()));
        node.set("head_correlation_matrix", matrix(m.headCorrelationMatrix()));
        node.put("num_layers", m.numLayers());
        node.put("num_heads", m.numHeads());
        return node;
    }

    /** {@code compute_gqa_group_metrics}'s dict ({@code per_group_variances} only when present). */
    public static ObjectNode toJson(GroupMetrics m) {
        ObjectNode node = NODES.objectNode();
        node.set("within_group_variance", number(m.withinGroupVariance()));
        node.set("between_group_variance", number(m.betweenGroupVariance()));
        node.set("within_between_ratio", number(m.withinBetweenRatio()));
        node.put("group_size", m.groupSize());
        node.put("num_kv_groups", m.numKvGroups());
        if (m.perGroupVariances() != null) {
            node.set("per_group_variances", array(m.perGroupVariances()));
        }
        return node;
    }

    /** One entry of {@code seed_results}. */
    public static ObjectNode toJson(SeedMetrics m) {
        ObjectNode node = NODES.objectNode();
        node.put("seed", m.seed());
        node.set("specialization", toJson(m.specialization()));
        node.set("gqa_metrics", toJson(m.gqaMetrics()));
        node.set("entropies", matrix(m.entropies()));
        return node;
    }

    /** {@code results[role]}: aggregated {@code specialization}, {@code gqa_metrics}, and {@code seed_results}. */
    public static ObjectNode toJson(RoleMetrics m) {
        ObjectNode node = NODES.objectNode();
        node.set("specialization", toJson(m.specialization()));
        node.set("gqa_metrics", toJson(m.gqaMetrics()));
        ArrayNode seeds = node.putArray("seed_results");
        for (SeedMetrics s : m.seedResults()) {
            seeds.add(toJson(s));
        }
        return node;
    }

    /**
     * One model's whole metrics document, as the metrics service sends it: {@link #toJson(RoleMetrics)}'s keys,
     * then {@code seed_spread} and {@code warnings}; {@link #readRoleDocument} reads it back whole.
     */
    public static ObjectNode roleDocument(RoleMetrics m) {
        ObjectNode node = toJson(m);
        node.set("seed_spread", toJson(m.seedSpread()));
        ArrayNode warnings = node.putArray("warnings");
        m.warnings().forEach(warnings::add);
        return node;
    }

    /** {@code results['verdict']} of cell 6. */
    public static ObjectNode toJson(Verdict v) {
        ObjectNode node = NODES.objectNode();
        node.put("code", v.code());
        node.put("specialization_decreased", v.specializationDecreased());
        node.put("correlation_increased", v.correlationIncreased());
        node.put("variance_decreased", v.varianceDecreased());
        node.set("delta_specialization", number(v.deltaSpecialization()));
        node.set("delta_correlation", number(v.deltaCorrelation()));
        node.set("delta_variance", number(v.deltaVariance()));
        node.set("delta_gqa_ratio", number(v.deltaGqaRatio()));
        return node;
    }

    /** A metric map (e.g. seed spread) with non-finite values as strings. */
    public static ObjectNode toJson(Map<String, Double> values) {
        ObjectNode node = NODES.objectNode();
        values.forEach((k, v) -> node.set(k, number(v)));
        return node;
    }

    /**
     * {@code results} as cell 9 writes it ({@code base}, {@code instruct}, {@code verdict}).
     */
    public static ObjectNode results(RoleMetrics base, RoleMetrics instruct, Verdict verdict) {
        ObjectNode node = NODES.objectNode();
        node.set("base", toJson(base));
        node.set("instruct", toJson(instruct));
        node.set("verdict", toJson(verdict));
        return node;
    }

    // ---------------------------------------------------------------- readers

    /** A double from a number, "nan"/"inf"/"-inf", "NaN"/"Infinity"/"-Infinity"; null or missing -> error. */
    public static double readDouble(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw new IllegalArgumentException("expected a number, found nothing");
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            switch (node.textValue().trim().toLowerCase(java.util.Locale.ROOT)) {
                case "nan":
                case "+nan":
                case "-nan":
                    return Double.NaN;
                case "inf":
                case "+inf":
                case "infinity":
                case "+infinity":
                    return Double.POSITIVE_INFINITY;
                case "-inf":
                case "-infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("expected a number, found " + node);
    }

    public static double[] readArray(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("expected an array of numbers, found " + node);
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = readDouble(node.get(i));
        }
        return values;
    }

    public static double[][] readMatrix(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("expected an array of arrays, found " + node);
        }
        double[][] values = new double[node.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = readArray(node.get(i));
        }
        return values;
    }

    public static double[][][] readCube(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("expected a 3-d array, found " + node);
        }
        double[][][] values = new double[node.size()][][];
        for (int i = 0; i < values.length; i++) {
            values[i] = readMatrix(node.get(i));
        }
        return values;
    }

    public static SpecializationMetrics readSpecialization(JsonNode n) {
        return new SpecializationMetrics(
                readDouble(n.get("mean_head_variance")),
                readDouble(n.get("mean_head_correlation")),
                readDouble(n.get("specialization_index")),
                readDouble(n.get("effective_heads")),
                readDouble(n.get("effective_ratio")),
                n.has("layer_variances") ? readArray(n.get("layer_variances")) : null,
                readDouble(n.get("early_variance")),
                readDouble(n.get("middle_variance")),
                readDouble(n.get("late_variance")),
                n.has("head_correlation_matrix") ? readMatrix(n.get("head_correlation_matrix")) : null,
                n.path("num_layers").asInt(0),
                n.path("num_heads").asInt(0));
    }

    public static GroupMetrics readGroups(JsonNode n) {
        return new GroupMetrics(
                readDouble(n.get("within_group_variance")),
                readDouble(n.get("between_group_variance")),
                readDouble(n.get("within_between_ratio")),
                n.path("group_size").asInt(0),
                n.path("num_kv_groups").asInt(0),
                n.has("per_group_variances") ? readArray(n.get("per_group_variances")) : null);
    }

    public static SeedMetrics readSeed(JsonNode n) {
        return new SeedMetrics(
                n.path("seed").asInt(),
                readSpecialization(n.get("specialization")),
                readGroups(n.get("gqa_metrics")),
                n.has("entropies") ? readMatrix(n.get("entropies")) : null);
    }

    /** {@code results[role]}; seed spread and warnings are not part of it (empty here). */
    public static RoleMetrics readRole(JsonNode n) {
        List<SeedMetrics> seeds = new ArrayList<>();
        for (JsonNode s : n.path("seed_results")) {
            seeds.add(readSeed(s));
        }
        return new RoleMetrics(
                readSpecialization(n.get("specialization")),
                readGroups(n.get("gqa_metrics")),
                List.copyOf(seeds),
                Map.of(),
                List.of());
    }

    /** A document written by {@link #roleDocument}, seed spread and warnings included. */
    public static RoleMetrics readRoleDocument(JsonNode n) {
        RoleMetrics r = readRole(n);
        List<String> warnings = new ArrayList<>();
        n.path("warnings").forEach(w -> warnings.add(w.asText()));
        return new RoleMetrics(
                r.specialization(),
                r.gqaMetrics(),
                r.seedResults(),
                readMap(n.path("seed_spread")),
                List.copyOf(warnings));
    }

    public static Verdict readVerdict(JsonNode n) {
        return new Verdict(
                n.path("code").asText(),
                n.path("specialization_decreased").asBoolean(),
                n.path("correlation_increased").asBoolean(),
                n.path("variance_decreased").asBoolean(),
                readDouble(n.get("delta_specialization")),
                readDouble(n.get("delta_correlation")),
                readDouble(n.get("delta_variance")),
                n.has("delta_gqa_ratio") ? readDouble(n.get("delta_gqa_ratio")) : Double.NaN);
    }

    /** A metric map such as {@code seed_spread.base}. */
    public static Map<String, Double> readMap(JsonNode n) {
        Map<String, Double> values = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> values.put(e.getKey(), readDouble(e.getValue())));
        return values;
    }
}
