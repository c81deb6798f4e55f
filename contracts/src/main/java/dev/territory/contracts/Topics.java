package dev.territory.contracts;

import java.util.List;

/**
 * Default topic names, partitions and keys (each service binds its channels to these in
 * application.properties; the launcher and the tests create them with these partition counts).
 */
public final class Topics {
    private Topics() {}

    /** {@link RunRequested}, key runId. */
    public static final String RUNS_REQUESTED = "territory.runs.requested";
    /** {@link ModelJobRequested}, key runId/role; two partitions or more so that two inference replicas share a run. */
    public static final String MODEL_JOBS = "territory.model.jobs";
    /** {@link EntropyVectorComputed}, key runId/role/seed. */
    public static final String ENTROPY_VECTORS = "territory.entropy.vectors";
    /** {@link SeedMetricsComputed} and {@link RoleMetricsComputed}, key runId. */
    public static final String METRICS_COMPUTED = "territory.metrics.computed";
    /** {@link RunProgress} and {@link ModelLoaded}, key runId. */
    public static final String RUNS_PROGRESS = "territory.runs.progress";
    /** {@link RunCompleted}, key runId. */
    public static final String RUNS_COMPLETED = "territory.runs.completed";
    /** {@link RunFailed}, key runId. */
    public static final String RUNS_FAILED = "territory.runs.failed";
    /** Events that cannot be processed, with the reason in headers. */
    public static final String DEAD_LETTER = "territory.dead-letter";

    /** A topic to create and how many partitions it gets. */
    public record Spec(String name, int partitions) {}

    public static final List<Spec> ALL = List.of(
            new Spec(RUNS_REQUESTED, 1),
            new Spec(MODEL_JOBS, 4),
            new Spec(ENTROPY_VECTORS, 4),
            new Spec(METRICS_COMPUTED, 1),
            new Spec(RUNS_PROGRESS, 1),
            new Spec(RUNS_COMPLETED, 1),
            new Spec(RUNS_FAILED, 1),
            new Spec(DEAD_LETTER, 1));
}
