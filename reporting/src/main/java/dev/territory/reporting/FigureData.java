package dev.territory.reporting;

import dev.territory.contracts.ModelInfo;

/**
 * The numbers the six panels of the notebook's figure (cell 8) show.
 *
 * @param runModel display name of this run's model (e.g. "llama3-gqa-base")
 * @param runArchitecture attention label of this run from config ("GQA 4:1")
 * @param referenceModel display name of the reference
 * @param referenceArchitecture attention label of the reference from its config
 * @param referenceBaseSi reference base specialization index
 * @param referenceInstructSi reference instruct specialization index
 * @param baseSi this run's base specialization index
 * @param instructSi this run's instruct specialization index
 * @param baseGroup within-group variance, between-group variance, within/between ratio (base)
 * @param instructGroup the same for instruct
 * @param baseLayerVariances head variance per layer (base)
 * @param instructLayerVariances head variance per layer (instruct)
 * @param baseCorrelation head correlation matrix (base)
 * @param instructCorrelation head correlation matrix (instruct)
 * @param groupSize query heads per KV group (lines drawn every groupSize heads)
 * @param verdict the verdict line (code and evidence) shown in the figure's title
 * @param baseSiInterval bootstrap interval {low, high} of the base specialization index (null: no interval bar)
 * @param instructSiInterval the same for instruct
 */
public record FigureData(
        String runModel,
        String runArchitecture,
        String referenceModel,
        String referenceArchitecture,
        double referenceBaseSi,
        double referenceInstructSi,
        double baseSi,
        double instructSi,
        double[] baseGroup,
        double[] instructGroup,
        double[] baseLayerVariances,
        double[] instructLayerVariances,
        double[][] baseCorrelation,
        double[][] instructCorrelation,
        int groupSize,
        String verdict,
        double[] baseSiInterval,
        double[] instructSiInterval) {

    /** Without interval bars. */
    public FigureData(
            String runModel,
            String runArchitecture,
            String referenceModel,
            String referenceArchitecture,
            double referenceBaseSi,
            double referenceInstructSi,
            double baseSi,
            double instructSi,
            double[] baseGroup,
            double[] instructGroup,
            double[] baseLayerVariances,
            double[] instructLayerVariances,
            double[][] baseCorrelation,
            double[][] instructCorrelation,
            int groupSize,
            String verdict) {
        this(
                runModel,
                runArchitecture,
                referenceModel,
                referenceArchitecture,
                referenceBaseSi,
                referenceInstructSi,
                baseSi,
                instructSi,
                baseGroup,
                instructGroup,
                baseLayerVariances,
                instructLayerVariances,
                baseCorrelation,
                instructCorrelation,
                groupSize,
                verdict,
                null,
                null);
    }

    /** The same data with the specialization index's interval bars. */
    public FigureData withSiIntervals(double[] base, double[] instruct) {
        return new FigureData(
                runModel,
                runArchitecture,
                referenceModel,
                referenceArchitecture,
                referenceBaseSi,
                referenceInstructSi,
                baseSi,
                instructSi,
                baseGroup,
                instructGroup,
                baseLayerVariances,
                instructLayerVariances,
                baseCorrelation,
                instructCorrelation,
                groupSize,
                verdict,
                base,
                instruct);
    }

    public static FigureData of(RunReport r) {
        var b = r.base();
        var i = r.instruct();
        ModelInfo m = r.description().base();
        ComparisonReference ref = r.reference();
        String refArch = ref.queryHeads() == null
                ? ref.claimedArchitecture()
                : Architecture.kind(ref.queryHeads(), ref.kvHeads()) + " "
                        + Architecture.ratio(ref.queryHeads(), ref.kvHeads());
        return new FigureData(
                m.name(),
                m.attentionKind() + " " + Architecture.ratio(m.numHeads(), m.numKvHeads()),
                ref.model(),
                refArch,
                ref.baseSpecialization(),
                ref.instructSpecialization(),
                b.specialization().specializationIndex(),
                i.specialization().specializationIndex(),
                new double[] {
                    b.gqaMetrics().withinGroupVariance(),
                    b.gqaMetrics().betweenGroupVariance(),
                    b.gqaMetrics().withinBetweenRatio()
                },
                new double[] {
                    i.gqaMetrics().withinGroupVariance(),
                    i.gqaMetrics().betweenGroupVariance(),
                    i.gqaMetrics().withinBetweenRatio()
                },
                b.specialization().layerVariances(),
                i.specialization().layerVariances(),
                b.specialization().headCorrelationMatrix(),
                i.specialization().headCorrelationMatrix(),
                b.gqaMetrics().groupSize(),
                r.evidence().line(),
                interval(r, true),
                interval(r, false));
    }

    private static double[] interval(RunReport r, boolean base) {
        if (r.uncertainty() == null) {
            return null;
        }
        var iv = (base ? r.uncertainty().base() : r.uncertainty().instruct()).get("specialization_index");
        return iv == null || !Double.isFinite(iv.low()) || !Double.isFinite(iv.high())
                ? null
                : new double[] {iv.low(), iv.high()};
    }
}
