package dev.territory.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.statistics.MetricsJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves {@code --reference e11-mistral|RUN_DIR|results.json} to a {@link ComparisonReference}. */
public final class References {

    public static final String E11_MISTRAL_ID = "e11-mistral";

    private References() {}

    /**
     * @param spec "e11-mistral", a completed run's directory (holding results.json) or a results.json file
     * @throws IllegalArgumentException naming the path and the problem
     */
    public static ComparisonReference resolve(String spec) {
        if (spec == null || spec.isBlank() || E11_MISTRAL_ID.equalsIgnoreCase(spec.trim())) {
            return ComparisonReference.E11_MISTRAL;
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            path = path.resolve(RunWriter.RESULTS_JSON);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "reference " + spec + ": no such run directory or results.json (expected " + E11_MISTRAL_ID
                            + ", a directory with " + RunWriter.RESULTS_JSON + ", or a results JSON file)");
        }
        JsonNode doc;
        try {
            doc = MetricsJson.MAPPER.readTree(path.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("reference " + path + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        return fromResults(doc, path.toAbsolutePath().toString());
    }

    /** A reference from a results document in the notebook's schema (ours or the notebook's own). */
    public static ComparisonReference fromResults(JsonNode doc, String source) {
        JsonNode results = doc.path("results");
        JsonNode base = results.path("base").path("specialization");
        JsonNode instruct = results.path("instruct").path("specialization");
        JsonNode verdict = results.path("verdict");
        if (base.isMissingNode() || instruct.isMissingNode() || verdict.isMissingNode()) {
            throw new IllegalArgumentException("reference " + source
                    + ": not a results document (needs results.base.specialization, results.instruct.specialization and "
                    + "results.verdict)");
        }
        try {
            JsonNode config = doc.path("config");
            Integer q = config.hasNonNull("num_query_heads")
                    ? config.get("num_query_heads").asInt()
                    : null;
            Integer kv = config.hasNonNull("num_kv_heads")
                    ? config.get("num_kv_heads").asInt()
                    : null;
            double baseSi = MetricsJson.readDouble(base.get("specialization_index"));
            double instSi = MetricsJson.readDouble(instruct.get("specialization_index"));
            double baseCorr = MetricsJson.readDouble(base.get("mean_head_correlation"));
            double instCorr = MetricsJson.readDouble(instruct.get("mean_head_correlation"));
            String claimed =
                    doc.path("architecture").asText(q != null && kv != null ? Architecture.kind(q, kv) : "unknown");
            JsonNode methodology = doc.path("methodology");
            String dtype = Methodology.plainName(methodology
                    .path("dtype_name")
                    .asText(methodology.path("dtype").asText("unknown")));
            return new ComparisonReference(
                    doc.path("model").asText("unknown model"),
                    claimed,
                    q,
                    kv,
                    baseSi,
                    instSi,
                    instSi - baseSi,
                    baseCorr,
                    instCorr,
                    instCorr - baseCorr,
                    verdict.path("code").asText("unknown"),
                    dtype,
                    source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reference " + source + ": " + e.getMessage(), e);
        }
    }
}
