package dev.territory.statistics;

import java.util.List;
import java.util.Map;

/**
 * One model (base or instruct) as cells 4/5 store it: the scalars are means over the seeds;
 * {@code layer_variances}, {@code head_correlation_matrix}, {@code num_layers}, {@code num_heads},
 * {@code group_size} and {@code num_kv_groups} are taken from the first seed, as the notebook does.
 *
 * @param seedSpread metric name (notebook key) -> max - min over the seeds (0 when all seeds agree)
 * @param warnings sentences about degenerate inputs (empty thirds, constant head profiles, ...)
 */
public record RoleMetrics(
        SpecializationMetrics specialization,
        GroupMetrics gqaMetrics,
        List<SeedMetrics> seedResults,
        Map<String, Double> seedSpread,
        List<String> warnings) {}
