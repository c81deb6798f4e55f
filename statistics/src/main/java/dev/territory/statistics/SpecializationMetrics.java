package dev.territory.statistics;

/**
 * What the notebook's {@code compute_specialization_metrics} returns (cell 3), one field per key.
 *
 * <p>{@code layerVariances[layer]} is the population variance of that layer's head entropies;
 * {@code headCorrelationMatrix[head][head]} is {@code np.corrcoef} of the heads' profiles across
 * layers (NaN rows for a constant profile). The thirds are NaN when their slice is empty (fewer
 * than 3 layers), as {@code np.mean} of an empty slice is.
 */
public record SpecializationMetrics(
        double meanHeadVariance,
        double meanHeadCorrelation,
        double specializationIndex,
        double effectiveHeads,
        double effectiveRatio,
        double[] layerVariances,
        double earlyVariance,
        double middleVariance,
        double lateVariance,
        double[][] headCorrelationMatrix,
        int numLayers,
        int numHeads) {}
