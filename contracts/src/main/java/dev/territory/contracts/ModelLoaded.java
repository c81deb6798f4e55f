package dev.territory.contracts;

import java.time.Instant;

/**
 * The inference service loaded one model of a run (topic {@link Topics#RUNS_PROGRESS}, key
 * runId): what the report needs to describe the model (shape, dtype, weight hashes).
 */
public record ModelLoaded(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        Role role,
        ModelInfo model,
        double loadSeconds)
        implements TerritoryEvent {

    public ModelLoaded {
        Fields.header("ModelLoaded", eventId, schemaVersion, occurredAt, runId);
        Fields.required("ModelLoaded", "role", role);
        Fields.required("ModelLoaded", "model", model);
    }

    public static ModelLoaded of(String runId, Role role, ModelInfo model, double loadSeconds) {
        return new ModelLoaded(
                Fields.deterministicId("loaded", runId, role.id()),
                SCHEMA_VERSION,
                Instant.now(),
                runId,
                role,
                model,
                loadSeconds);
    }
}
