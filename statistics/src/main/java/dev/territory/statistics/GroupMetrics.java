package dev.territory.statistics;

/**
 * What the notebook's {@code compute_gqa_group_metrics} returns (cell 3). Query head {@code h}
 * belongs to KV group {@code h / groupSize}. {@code withinBetweenRatio} is +inf when the
 * between-group variance is not positive. {@code perGroupVariances} is null in the seed-aggregated
 * form (cells 4/5 omit it).
 */
public record GroupMetrics(
        double withinGroupVariance,
        double betweenGroupVariance,
        double withinBetweenRatio,
        int groupSize,
        int numKvGroups,
        double[] perGroupVariances) {}
