package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;

/**
 * Every event on a Territory topic. The JSON carries {@code "type"} (the record's simple name),
 * so topics that hold several event types (metrics) are decoded without guessing.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RunRequested.class, name = "RunRequested"),
    @JsonSubTypes.Type(value = ModelJobRequested.class, name = "ModelJobRequested"),
    @JsonSubTypes.Type(value = EntropyVectorComputed.class, name = "EntropyVectorComputed"),
    @JsonSubTypes.Type(value = RunProgress.class, name = "RunProgress"),
    @JsonSubTypes.Type(value = ModelLoaded.class, name = "ModelLoaded"),
    @JsonSubTypes.Type(value = SeedMetricsComputed.class, name = "SeedMetricsComputed"),
    @JsonSubTypes.Type(value = RoleMetricsComputed.class, name = "RoleMetricsComputed"),
    @JsonSubTypes.Type(value = RunStatisticsComputed.class, name = "RunStatisticsComputed"),
    @JsonSubTypes.Type(value = RunCompleted.class, name = "RunCompleted"),
    @JsonSubTypes.Type(value = RunFailed.class, name = "RunFailed"),
})
public sealed interface TerritoryEvent
        permits RunRequested,
                ModelJobRequested,
                EntropyVectorComputed,
                RunProgress,
                ModelLoaded,
                SeedMetricsComputed,
                RoleMetricsComputed,
                RunStatisticsComputed,
                RunCompleted,
                RunFailed {

    /** Schema version every event of this module writes; readers accept exactly this one. */
    int SCHEMA_VERSION = 1;

    /** Unique per event; deterministic where a replay must be recognised (vectors, metrics). */
    String eventId();

    int schemaVersion();

    Instant occurredAt();

    String runId();
}
