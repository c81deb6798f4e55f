package dev.territory.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The notebook's metrics of one (run, role, seed), computed once all {@code promptCount} vectors
 * are in (topic {@link Topics#METRICS_COMPUTED}, key = runId).
 *
 * @param metrics one seed's entry of the notebook's {@code seed_results}: {@code seed},
 *     {@code specialization}, {@code gqa_metrics}, {@code entropies} (snake_case keys, non-finite
 *     numbers as "nan"/"inf"/"-inf"), written and read by the statistics module's MetricsJson
 * @param prompts the run's first seed only (empty for the others): every prompt's vector as the inference service
 *     sent it, in prompt order, from which the run's statistics are computed once both models' are in
 */
public record SeedMetricsComputed(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        Role role,
        int seed,
        List<Integer> seeds,
        int promptCount,
        ModelShape shape,
        String dtype,
        String protocol,
        String engineVersion,
        JsonNode metrics,
        List<Prompt> prompts)
        implements TerritoryEvent {

    private static final String E = "SeedMetricsComputed";

    /**
     * One prompt's vector, in {@link EntropyVectorComputed}'s encoding ({@code numLayers * numHeads} little-endian
     * float32, base64).
     *
     * @param reductions keyed as {@link EntropyVectorComputed#reductions()}
     */
    public record Prompt(int promptIndex, int tokenCount, String entropies, Map<String, String> reductions) {
        public Prompt {
            Fields.nonNegative(E, "prompts.tokenCount", tokenCount);
            Fields.required(E, "prompts.entropies", entropies);
            reductions = reductions == null ? Map.of() : Map.copyOf(reductions);
        }

        /** The vector's prompt as carried here. */
        public static Prompt of(EntropyVectorComputed v) {
            return new Prompt(v.promptIndex(), v.tokenCount(), v.entropies(), v.reductions());
        }

        /** The entropies as {@code [numLayers][numHeads]}. */
        public float[][] entropyMatrix(ModelShape shape) {
            return Float32Codec.decode(entropies, shape.numLayers(), shape.numHeads());
        }

        /** One reduction as {@code [numLayers][numHeads]}, or null when the prompt does not carry it. */
        public float[][] reduction(String key, ModelShape shape) {
            String value = reductions.get(key);
            return value == null ? null : Float32Codec.decode(value, shape.numLayers(), shape.numHeads());
        }
    }

    public SeedMetricsComputed {
        Fields.header(E, eventId, schemaVersion, occurredAt, runId);
        Fields.required(E, "role", role);
        seeds = List.copyOf(Fields.required(E, "seeds", seeds));
        Fields.positive(E, "promptCount", promptCount);
        Fields.required(E, "shape", shape);
        Fields.required(E, "dtype", dtype);
        Fields.required(E, "protocol", protocol);
        Fields.required(E, "engineVersion", engineVersion);
        Fields.required(E, "metrics", metrics);
        prompts = prompts == null ? List.of() : List.copyOf(prompts);
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).promptIndex() != i) {
                throw new IllegalArgumentException(E + ": prompts[" + i + "] has promptIndex "
                        + prompts.get(i).promptIndex());
            }
        }
        if (!prompts.isEmpty() && prompts.size() != promptCount) {
            throw new IllegalArgumentException(E + ": " + prompts.size() + " prompts, promptCount " + promptCount);
        }
    }

    /** Deterministic id: the aggregate of a (run, role, seed) has one id however often it is recomputed. */
    public static String idFor(String runId, Role role, int seed) {
        return Fields.deterministicId("seed-metrics", runId, role.id(), Integer.toString(seed));
    }
}
