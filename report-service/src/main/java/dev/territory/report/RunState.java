package dev.territory.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the report service knows about one run; written to {@code <resultsDir>/<runId>/run-state.json}
 * after every change, so that a restarted service serves every run it had.
 *
 * @param status PENDING (request seen), RUNNING (work seen), COMPLETED, FAILED
 * @param progress "role/seed" → prompts done and expected
 * @param models role id → the loaded model
 * @param roleMetrics role id → the over-seeds metrics event
 * @param statistics the run's statistics event (null until the metrics service sent it)
 * @param firstSeedMetrics role id → the first seed's metrics event, the one that carries the prompts' vectors the
 *     entropy exports are written from
 * @param files the run's files, once completed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunState(
        String runId,
        String status,
        RunRequested request,
        TreeMap<String, Progress> progress,
        TreeMap<String, ModelInfo> models,
        TreeMap<String, RoleMetricsComputed> roleMetrics,
        RunStatisticsComputed statistics,
        TreeMap<String, SeedMetricsComputed> firstSeedMetrics,
        String verdict,
        Boolean architectureInvariant,
        String failure,
        List<String> files,
        Instant updatedAt) {

    public static final String PENDING = "PENDING";
    public static final String RUNNING = "RUNNING";
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";

    public RunState {
        // a run-state.json whose runs never saw a first seed's metrics may omit the map
        firstSeedMetrics = firstSeedMetrics == null ? new TreeMap<>() : firstSeedMetrics;
    }

    /** Prompts done and expected for one (role, seed); {@code stage} is the last stage seen. */
    public record Progress(int done, int total, String stage) {}

    static RunState empty(String runId) {
        return new RunState(
                runId,
                PENDING,
                null,
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                null,
                new TreeMap<>(),
                null,
                null,
                null,
                List.of(),
                Instant.now());
    }

    public boolean finished() {
        return COMPLETED.equals(status) || FAILED.equals(status);
    }

    RunState with(
            String newStatus,
            RunRequested newRequest,
            String newVerdict,
            Boolean invariant,
            String newFailure,
            List<String> newFiles) {
        return new RunState(
                runId,
                newStatus,
                newRequest,
                progress,
                models,
                roleMetrics,
                statistics,
                firstSeedMetrics,
                newVerdict,
                invariant,
                newFailure,
                newFiles,
                Instant.now());
    }

    RunState withStatistics(RunStatisticsComputed newStatistics) {
        return new RunState(
                runId,
                status,
                request,
                progress,
                models,
                roleMetrics,
                newStatistics,
                firstSeedMetrics,
                verdict,
                architectureInvariant,
                failure,
                files,
                Instant.now());
    }

    /** Progress as a map the web pages can show: role → seed → done/total. */
    public Map<String, Map<String, Progress>> progressByModel() {
        Map<String, Map<String, Progress>> out = new TreeMap<>();
        progress.forEach((k, v) -> {
            String[] parts = k.split("/", 2);
            out.computeIfAbsent(parts[0], x -> new TreeMap<>()).put(parts.length > 1 ? parts[1] : "", v);
        });
        return out;
    }
}
