package dev.territory.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The notebook's metrics of one (run, role, seed), computed once all {@code promptCount} vectors
 * are in (topic {@link Topics#METRICS_COMPUTED}, key = runId).
 *
 * @param metrics one seed's entry of the notebook's {@code seed_results}: {@code seed},
 *     {@code specialization}, {@code gqa_metrics}, {@code entropies} (snake_case keys, non-finite
 *     numbers as "nan"/"inf"/"-inf"), written and read by the statistics module's MetricsJson
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
        JsonNode metrics)
        implements TerritoryEvent {

    private static final String E = "SeedMetricsComputed";

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
    }

    /** Deterministic id: the aggregate of a (run, role, seed) has one id however often it is recomputed. */
    public static String idFor(String runId, Role role, int seed) {
        return Fields.deterministicId("seed-metrics", runId, role.id(), Integer.toString(seed));
    }
}
