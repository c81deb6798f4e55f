package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * How far a run is (topic {@link Topics#RUNS_PROGRESS}, key = runId). Informational: a lost or
 * repeated progress event changes no result.
 *
 * @param role the model, or null for run-level stages
 * @param seed the seed, or null when not seed-specific
 * @param stage one of {@link Stage}
 * @param done prompts done in this (role, seed), or 0
 * @param total prompts in this (role, seed), or 0
 * @param message short human text (e.g. the model's shape after loading)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunProgress(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        Role role,
        Integer seed,
        Stage stage,
        int done,
        int total,
        String message)
        implements TerritoryEvent {

    public enum Stage {
        ACCEPTED,
        LOADING,
        LOADED,
        COMPUTING,
        MODEL_DONE,
        METRICS
    }

    public RunProgress {
        Fields.header("RunProgress", eventId, schemaVersion, occurredAt, runId);
        Fields.required("RunProgress", "stage", stage);
        Fields.nonNegative("RunProgress", "done", done);
        Fields.nonNegative("RunProgress", "total", total);
    }

    public static RunProgress of(
            String runId, Role role, Integer seed, Stage stage, int done, int total, String message) {
        return new RunProgress(
                Fields.randomId(), SCHEMA_VERSION, Instant.now(), runId, role, seed, stage, done, total, message);
    }
}
