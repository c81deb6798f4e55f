package dev.territory.contracts;

import java.time.Instant;

/**
 * A run cannot finish (topic {@link Topics#RUNS_FAILED}, key = runId).
 *
 * @param service which service gave up (inference-service, metrics-service, report-service)
 * @param reason what is wrong, in words, naming the file or field
 */
public record RunFailed(
        String eventId, int schemaVersion, Instant occurredAt, String runId, String service, String reason)
        implements TerritoryEvent {

    public RunFailed {
        Fields.header("RunFailed", eventId, schemaVersion, occurredAt, runId);
        Fields.required("RunFailed", "service", service);
        Fields.required("RunFailed", "reason", reason);
    }

    public static RunFailed of(String runId, String service, String reason) {
        return new RunFailed(Fields.randomId(), SCHEMA_VERSION, Instant.now(), runId, service, reason);
    }
}
