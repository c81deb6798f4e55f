package dev.territory.contracts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code [layer][head]} normalized attention entropies of one prompt, for one seed of one
 * model of one run (topic {@link Topics#ENTROPY_VECTORS}, key = {@link Keys#runRoleSeed}).
 *
 * <p>{@code entropies} is {@code numLayers * numHeads} little-endian float32 values, row-major
 * (layer by layer), base64: exact, and about a third of the size of decimal JSON before the
 * producer's zstd compression. {@link #entropyMatrix()} decodes and checks the length.
 *
 * @param seed the seed of this repetition
 * @param seeds every seed of the run, so an aggregator knows when a role is complete
 * @param promptIndex 0-based index of the prompt in the run's prompt list
 * @param promptCount number of prompts of the run: the (run, role, seed) aggregate is complete with this many
 * @param tokenCount real (non-padding) tokens of the prompt
 * @param modelType the model's {@code model_type} (config.json)
 * @param engineVersion version of the engine that computed the numbers
 * @param reductions the same forward pass reduced otherwise, each a {@code [numLayers][numHeads]} matrix in
 *     the encoding of {@code entropies}, keyed {@code entropies/<protocol>} and {@code normalizers/<protocol>}
 *     (the count whose log2 divided each entropy) for e11-v3, masked and attendable, {@link #SINK_MASS} (mean
 *     attention weight on the first real token) and {@link #ROW_ENTROPY} (mean over real query rows of each
 *     row's entropy in bits); empty when the producer computed none
 */
public record EntropyVectorComputed(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        Role role,
        int seed,
        List<Integer> seeds,
        int promptIndex,
        int promptCount,
        int tokenCount,
        String modelType,
        int numLayers,
        int numHeads,
        int numKvHeads,
        String dtype,
        String protocol,
        String engineVersion,
        String entropies,
        Map<String, String> reductions)
        implements TerritoryEvent {

    private static final String E = "EntropyVectorComputed";

    /** The protocols a reduction may be keyed by. */
    public static final List<String> PROTOCOLS = List.of("e11-v3", "masked", "attendable");

    public static final String SINK_MASS = "sink_mass";
    public static final String ROW_ENTROPY = "row_entropy";
    private static final Set<String> REDUCTION_KEYS;

    static {
        java.util.Set<String> keys = new java.util.HashSet<>(List.of(SINK_MASS, ROW_ENTROPY));
        for (String p : PROTOCOLS) {
            keys.add(entropiesKey(p));
            keys.add(normalizersKey(p));
        }
        REDUCTION_KEYS = Set.copyOf(keys);
    }

    /** {@code entropies/<protocol>}. */
    public static String entropiesKey(String protocol) {
        return "entropies/" + protocol;
    }

    /** {@code normalizers/<protocol>}. */
    public static String normalizersKey(String protocol) {
        return "normalizers/" + protocol;
    }

    public EntropyVectorComputed {
        Fields.header(E, eventId, schemaVersion, occurredAt, runId);
        Fields.required(E, "role", role);
        seeds = List.copyOf(Fields.required(E, "seeds", seeds));
        if (!seeds.contains(seed)) {
            throw new IllegalArgumentException(E + ": seed " + seed + " is not among the run's seeds " + seeds);
        }
        Fields.positive(E, "promptCount", promptCount);
        if (promptIndex < 0 || promptIndex >= promptCount) {
            throw new IllegalArgumentException(E + ": promptIndex " + promptIndex + " outside 0.." + (promptCount - 1));
        }
        Fields.nonNegative(E, "tokenCount", tokenCount);
        Fields.required(E, "modelType", modelType);
        Fields.positive(E, "numLayers", numLayers);
        Fields.positive(E, "numHeads", numHeads);
        Fields.positive(E, "numKvHeads", numKvHeads);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(
                    E + ": numKvHeads " + numKvHeads + " does not divide numHeads " + numHeads);
        }
        Fields.required(E, "dtype", dtype);
        Fields.required(E, "protocol", protocol);
        Fields.required(E, "engineVersion", engineVersion);
        Fields.required(E, "entropies", entropies);
        reductions = reductions == null ? Map.of() : Map.copyOf(reductions);
        for (String key : reductions.keySet()) {
            if (!REDUCTION_KEYS.contains(key)) {
                throw new IllegalArgumentException(E + ": unknown reduction '" + key + "' (known: "
                        + new java.util.TreeSet<>(REDUCTION_KEYS) + ")");
            }
        }
    }

    /** Builds the event with its deterministic id: a recomputed vector has the id of the first one. */
    public static EntropyVectorComputed of(
            String runId,
            Role role,
            int seed,
            List<Integer> seeds,
            int promptIndex,
            int promptCount,
            int tokenCount,
            String modelType,
            int numKvHeads,
            String dtype,
            String protocol,
            String engineVersion,
            float[][] entropies) {
        return of(
                runId,
                role,
                seed,
                seeds,
                promptIndex,
                promptCount,
                tokenCount,
                modelType,
                numKvHeads,
                dtype,
                protocol,
                engineVersion,
                entropies,
                Map.of());
    }

    /** As above, with the other reductions of the same pass ({@code [numLayers][numHeads]} each, keyed as {@link #reductions()}). */
    public static EntropyVectorComputed of(
            String runId,
            Role role,
            int seed,
            List<Integer> seeds,
            int promptIndex,
            int promptCount,
            int tokenCount,
            String modelType,
            int numKvHeads,
            String dtype,
            String protocol,
            String engineVersion,
            float[][] entropies,
            Map<String, float[][]> reductions) {
        Map<String, String> encoded = new LinkedHashMap<>();
        reductions.forEach((k, v) -> encoded.put(k, Float32Codec.encode(v)));
        return new EntropyVectorComputed(
                Fields.deterministicId(
                        "vector", runId, role.id(), Integer.toString(seed), Integer.toString(promptIndex)),
                SCHEMA_VERSION,
                Instant.now(),
                runId,
                role,
                seed,
                seeds,
                promptIndex,
                promptCount,
                tokenCount,
                modelType,
                entropies.length,
                entropies.length == 0 ? 0 : entropies[0].length,
                numKvHeads,
                dtype,
                protocol,
                engineVersion,
                Float32Codec.encode(entropies),
                encoded);
    }

    /** One reduction as {@code [numLayers][numHeads]}, or null when the vector does not carry it. */
    public float[][] reduction(String key) {
        String value = reductions.get(key);
        return value == null ? null : Float32Codec.decode(value, numLayers, numHeads);
    }

    /** The entropies as {@code [numLayers][numHeads]}; fails naming both lengths if the payload has the wrong size. */
    public float[][] entropyMatrix() {
        return Float32Codec.decode(entropies, numLayers, numHeads);
    }

    public String key() {
        return Keys.runRoleSeed(runId, role, seed);
    }
}
