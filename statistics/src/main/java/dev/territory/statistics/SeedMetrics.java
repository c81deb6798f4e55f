package dev.territory.statistics;

/** One entry of the notebook's {@code seed_results}: {@code entropies[layer][head]} is the mean over prompts. */
public record SeedMetrics(
        int seed, SpecializationMetrics specialization, GroupMetrics gqaMetrics, double[][] entropies) {}
