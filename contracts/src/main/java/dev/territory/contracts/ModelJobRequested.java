package dev.territory.contracts;

import java.time.Instant;

/**
 * One model of a run to compute (topic {@link Topics#MODEL_JOBS}, key = {@code runId/role}): the
 * inference service splits each validated request into two jobs so that two replicas in one
 * consumer group can run the two models in parallel.
 *
 * @param role which model of {@code request} to run
 * @param request the validated request the job belongs to
 */
public record ModelJobRequested(
        String eventId, int schemaVersion, Instant occurredAt, String runId, Role role, RunRequested request)
        implements TerritoryEvent {

    public ModelJobRequested {
        Fields.header("ModelJobRequested", eventId, schemaVersion, occurredAt, runId);
        Fields.required("ModelJobRequested", "role", role);
        Fields.required("ModelJobRequested", "request", request);
        if (!runId.equals(request.runId())) {
            throw new IllegalArgumentException(
                    "ModelJobRequested: runId " + runId + " differs from its request's " + request.runId());
        }
    }

    /** The job of {@code role}; its id is derived from the request's, so a replayed request makes the same job. */
    public static ModelJobRequested of(RunRequested request, Role role) {
        return new ModelJobRequested(
                Fields.deterministicId("job", request.eventId(), role.id()),
                SCHEMA_VERSION,
                Instant.now(),
                request.runId(),
                role,
                request);
    }
}
