package dev.territory.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * The run's statistics, computed by the metrics service once both models' per-prompt entropies of a seed and
 * their over-seeds metrics are in (topic {@link Topics#METRICS_COMPUTED}, key = runId): what results.json carries
 * under {@code statistics}, so that the report service only assembles.
 *
 * @param statistics the whole {@code statistics} block of results.json, written by the statistics module's
 *     StatisticsBlock (seed spread, bootstrap, permutation test, verdict with uncertainty, head redundancy,
 *     protocol comparison, head extras, or sentences saying why a part was not computed)
 * @param uncertainty the bootstrap and permutation result behind the block as plain data, from which the report
 *     states the verdict's evidence and draws its intervals; null when it was not computed
 */
public record RunStatisticsComputed(
        String eventId, int schemaVersion, Instant occurredAt, String runId, JsonNode statistics, JsonNode uncertainty)
        implements TerritoryEvent {

    private static final String E = "RunStatisticsComputed";

    public RunStatisticsComputed {
        Fields.header(E, eventId, schemaVersion, occurredAt, runId);
        Fields.required(E, "statistics", statistics);
        if (!statistics.isObject()) {
            throw new IllegalArgumentException(E + ": statistics must be a JSON object");
        }
        uncertainty = uncertainty == null || uncertainty.isNull() ? null : uncertainty;
    }

    public static RunStatisticsComputed of(String runId, JsonNode statistics, JsonNode uncertainty) {
        return new RunStatisticsComputed(idFor(runId), SCHEMA_VERSION, Instant.now(), runId, statistics, uncertainty);
    }

    /** Deterministic id: a run's statistics have one id however often they are recomputed. */
    public static String idFor(String runId) {
        return Fields.deterministicId("run-statistics", runId);
    }
}
