package dev.territory.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The notebook's over-seeds metrics of one model of a run, emitted once all seeds are in (topic
 * {@link Topics#METRICS_COMPUTED}, key = runId).
 *
 * @param metrics the notebook's {@code results.base} / {@code results.instruct} block:
 *     {@code specialization}, {@code gqa_metrics}, {@code seed_results} (MetricsJson's form)
 */
public record RoleMetricsComputed(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        Role role,
        List<Integer> seeds,
        int promptCount,
        ModelShape shape,
        String dtype,
        String protocol,
        String engineVersion,
        JsonNode metrics)
        implements TerritoryEvent {

    private static final String E = "RoleMetricsComputed";

    public RoleMetricsComputed {
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

    public static String idFor(String runId, Role role) {
        return Fields.deterministicId("role-metrics", runId, role.id());
    }
}
