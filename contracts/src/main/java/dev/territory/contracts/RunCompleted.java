package dev.territory.contracts;

import java.time.Instant;
import java.util.List;

/**
 * A run finished (topic {@link Topics#RUNS_COMPLETED}, key = runId).
 *
 * @param verdict the notebook's verdict code: A_CONFIRMED, B_PARTIAL or C_REFUTED
 * @param architectureInvariant the MHA comparison's conclusion
 * @param resultsUri where results.json is: the report service's {@code /runs/{runId}/files/results.json}
 *     path, relative to its base URL
 * @param files names of the run's files, each served under {@code /runs/{runId}/files/{name}}
 */
public record RunCompleted(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        String verdict,
        boolean architectureInvariant,
        String resultsUri,
        List<String> files)
        implements TerritoryEvent {

    public RunCompleted {
        Fields.header("RunCompleted", eventId, schemaVersion, occurredAt, runId);
        Fields.required("RunCompleted", "verdict", verdict);
        Fields.required("RunCompleted", "resultsUri", resultsUri);
        files = List.copyOf(Fields.required("RunCompleted", "files", files));
    }

    public static RunCompleted of(
            String runId, String verdict, boolean invariant, String resultsUri, List<String> files) {
        return new RunCompleted(
                Fields.deterministicId("completed", runId),
                SCHEMA_VERSION,
                Instant.now(),
                runId,
                verdict,
                invariant,
                resultsUri,
                files);
    }
}
