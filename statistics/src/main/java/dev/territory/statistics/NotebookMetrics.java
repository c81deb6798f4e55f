package dev.territory.statistics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The notebook's metrics (cells 3-6 of the E11-T notebook), reproduced with numpy's semantics.
 *
 * <p>Shapes: {@code perPromptEntropies[prompt][layer][head]}, {@code headEntropies[layer][head]}.
 * Every reduction states the numpy call it mirrors; see {@link Numpy} for the summation order.
 */
public final class NotebookMetrics {

    /** Scalar specialization metrics, by notebook key, in the order cell 4 aggregates them. */
    public static final List<String> SPECIALIZATION_KEYS = List.of(
            "specialization_index",
            "mean_head_correlation",
            "mean_head_variance",
            "effective_heads",
            "effective_ratio",
            "early_variance",
            "middle_variance",
            "late_variance");

    /** Scalar group metrics, by notebook key. */
    public static final List<String> GROUP_KEYS =
            List.of("within_group_variance", "between_group_variance", "within_between_ratio");

    private NotebookMetrics() {}

    /** {@code all_entropies.mean(axis=0)}: sequential over prompts (a strided axis), then / prompts. */
    public static double[][] meanOverPrompts(double[][][] perPromptEntropies) {
        int prompts = perPromptEntropies.length;
        if (prompts == 0) {
            throw new IllegalArgumentException("no prompts: cannot average entropies over 0 prompts");
        }
        int layers = perPromptEntropies[0].length;
        int heads = layers == 0 ? 0 : perPromptEntropies[0][0].length;
        requireShape(perPromptEntropies, layers, heads);
        // np.mean(axis=0) adds the prompts in order; prompt-outer loops keep that order per (l, h)
        // while reading memory sequentially
        double[][] mean = new double[layers][heads];
        for (int p = 0; p < prompts; p++) {
            for (int l = 0; l < layers; l++) {
                double[] row = perPromptEntropies[p][l];
                double[] sum = mean[l];
                for (int h = 0; h < heads; h++) {
                    sum[h] += row[h];
                }
            }
        }
        for (double[] sum : mean) {
            for (int h = 0; h < heads; h++) {
                sum[h] /= prompts;
            }
        }
        return mean;
    }

    /** {@code compute_specialization_metrics(head_entropies)}. */
    public static SpecializationMetrics specialization(double[][] headEntropies) {
        int numLayers = headEntropies.length;
        if (numLayers == 0 || headEntropies[0].length == 0) {
            throw new IllegalArgumentException("head entropies must have at least one layer and one head");
        }
        int numHeads = headEntropies[0].length;
        requireRectangular(headEntropies, numHeads);

        // 1. layer_variances = np.var(head_entropies, axis=1); mean_variance = np.mean(layer_variances)
        double[] layerVariances = new double[numLayers];
        for (int l = 0; l < numLayers; l++) {
            layerVariances[l] = Numpy.var(headEntropies[l]);
        }
        double meanVariance = Numpy.mean(layerVariances);

        // 2. head_corr_matrix = np.corrcoef(head_entropies.T); nanmean of the upper triangle (k=1)
        double[][] profiles = transpose(headEntropies); // (num_heads, num_layers)
        double[][] corr = Numpy.corrcoef(profiles);
        double[] upper = new double[numHeads * (numHeads - 1) / 2];
        int k = 0;
        for (int i = 0; i < numHeads; i++) {
            for (int j = i + 1; j < numHeads; j++) {
                upper[k++] = corr[i][j];
            }
        }
        double meanHeadCorrelation = Numpy.nanmean(upper);

        // 3. specialization_index = 1 - mean correlation
        double specializationIndex = 1.0 - meanHeadCorrelation;

        // 4. effective heads: np.mean(axis=0) (strided: sequential), normalized, then scipy's
        //    entropy(pk, base=2) normalizes pk by its sum again: -sum(pk log pk) / log(2).
        double[] contributions = new double[numHeads];
        for (int h = 0; h < numHeads; h++) {
            double sum = 0.0;
            for (int l = 0; l < numLayers; l++) {
                sum += headEntropies[l][h];
            }
            contributions[h] = sum / numLayers;
        }
        double contributionSum = Numpy.pairwiseSum(contributions);
        for (int h = 0; h < numHeads; h++) {
            contributions[h] = contributions[h] / contributionSum;
        }
        double entropyBits = entropyBase2(contributions);
        double effectiveHeads = entropyBits > 0 ? Math.pow(2.0, entropyBits) : 1.0; // NaN > 0 is false: 1.0
        double effectiveRatio = effectiveHeads / numHeads;

        // 5. thirds: third = num_layers // 3; an empty slice gives NaN (np.mean of an empty array)
        int third = numLayers / 3;
        double early = Numpy.mean(layerVariances, 0, third);
        double middle = Numpy.mean(layerVariances, third, third);
        double late = Numpy.mean(layerVariances, 2 * third, numLayers - 2 * third);

        return new SpecializationMetrics(
                meanVariance,
                meanHeadCorrelation,
                specializationIndex,
                effectiveHeads,
                effectiveRatio,
                layerVariances,
                early,
                middle,
                late,
                corr,
                numLayers,
                numHeads);
    }

    /** {@code scipy.stats.entropy(pk, base=2)}: pk / sum(pk), sum of entr(pk), / log(2). */
    static double entropyBase2(double[] pk) {
        double total = Numpy.pairwiseSum(pk);
        double[] entr = new double[pk.length];
        for (int i = 0; i < pk.length; i++) {
            double x = pk[i] / total;
            // scipy.special.entr: -x log x for x > 0, 0 at 0, -inf below 0, NaN for NaN
            if (Double.isNaN(x)) {
                entr[i] = Double.NaN;
            } else if (x > 0) {
                entr[i] = -x * Math.log(x);
            } else if (x == 0) {
                entr[i] = 0.0;
            } else {
                entr[i] = Double.NEGATIVE_INFINITY;
            }
        }
        return Numpy.pairwiseSum(entr) / Math.log(2.0);
    }

    /** {@code compute_gqa_group_metrics(head_entropies, num_kv_heads)}; contiguous groups of query heads. */
    public static GroupMetrics groups(double[][] headEntropies, int numKvHeads) {
        int numLayers = headEntropies.length;
        if (numLayers == 0 || headEntropies[0].length == 0) {
            throw new IllegalArgumentException("head entropies must have at least one layer and one head");
        }
        int numHeads = headEntropies[0].length;
        requireRectangular(headEntropies, numHeads);
        if (numKvHeads <= 0) {
            throw new IllegalArgumentException("num_kv_heads must be positive, got " + numKvHeads);
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("the " + numHeads + " query heads cannot be split into " + numKvHeads
                    + " KV groups: " + numHeads + " is not divisible by " + numKvHeads);
        }
        int groupSize = numHeads / numKvHeads;

        // within: per group, np.var(group, axis=1).mean(); then np.mean over groups
        double[] perGroup = new double[numKvHeads];
        // group means: head_entropies[:, start:end].mean(axis=1) -> (num_layers, num_kv_heads)
        double[][] groupMeans = new double[numLayers][numKvHeads];
        double[] layerVars = new double[numLayers];
        for (int g = 0; g < numKvHeads; g++) {
            int start = g * groupSize;
            for (int l = 0; l < numLayers; l++) {
                layerVars[l] = Numpy.var(headEntropies[l], start, groupSize);
                groupMeans[l][g] = Numpy.mean(headEntropies[l], start, groupSize);
            }
            perGroup[g] = Numpy.mean(layerVars);
        }
        double within = Numpy.mean(perGroup);

        // between: np.var(group_means, axis=1) on the transposed (strided) array: sequential sums
        double[] betweenVars = new double[numLayers];
        for (int l = 0; l < numLayers; l++) {
            betweenVars[l] = Numpy.varSequential(groupMeans[l]);
        }
        double between = Numpy.mean(betweenVars);
        double ratio = between > 0 ? within / between : Double.POSITIVE_INFINITY;
        return new GroupMetrics(within, between, ratio, groupSize, numKvHeads, perGroup);
    }

    /** One seed of cells 4/5: mean over prompts, then both metric functions. */
    public static SeedMetrics seed(int seed, double[][][] perPromptEntropies, int numKvHeads) {
        double[][] entropies = meanOverPrompts(perPromptEntropies);
        return new SeedMetrics(seed, specialization(entropies), groups(entropies, numKvHeads), entropies);
    }

    /** The seed aggregation of cells 4/5 (np.mean over seeds), plus seed spread and warnings. */
    public static RoleMetrics aggregate(List<SeedMetrics> seeds) {
        if (seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds to aggregate");
        }
        SeedMetrics first = seeds.get(0);
        for (SeedMetrics s : seeds) {
            if (s.specialization().numLayers() != first.specialization().numLayers()
                    || s.specialization().numHeads() != first.specialization().numHeads()) {
                throw new IllegalArgumentException("seed " + s.seed() + " has shape "
                        + s.specialization().numLayers() + "x"
                        + s.specialization().numHeads() + ", seed "
                        + first.seed() + " has " + first.specialization().numLayers() + "x"
                        + first.specialization().numHeads());
            }
        }
        SpecializationMetrics s0 = first.specialization();
        SpecializationMetrics spec = new SpecializationMetrics(
                meanOver(seeds, s -> s.specialization().meanHeadVariance()),
                meanOver(seeds, s -> s.specialization().meanHeadCorrelation()),
                meanOver(seeds, s -> s.specialization().specializationIndex()),
                meanOver(seeds, s -> s.specialization().effectiveHeads()),
                meanOver(seeds, s -> s.specialization().effectiveRatio()),
                s0.layerVariances(),
                meanOver(seeds, s -> s.specialization().earlyVariance()),
                meanOver(seeds, s -> s.specialization().middleVariance()),
                meanOver(seeds, s -> s.specialization().lateVariance()),
                s0.headCorrelationMatrix(),
                s0.numLayers(),
                s0.numHeads());
        GroupMetrics g0 = first.gqaMetrics();
        GroupMetrics groups = new GroupMetrics(
                meanOver(seeds, s -> s.gqaMetrics().withinGroupVariance()),
                meanOver(seeds, s -> s.gqaMetrics().betweenGroupVariance()),
                meanOver(seeds, s -> s.gqaMetrics().withinBetweenRatio()),
                g0.groupSize(),
                g0.numKvGroups(),
                null);

        Map<String, Double> spread = new LinkedHashMap<>();
        for (String key : SPECIALIZATION_KEYS) {
            spread.put(key, spreadOver(seeds, s -> scalar(s.specialization(), key)));
        }
        for (String key : GROUP_KEYS) {
            spread.put(key, spreadOver(seeds, s -> scalar(s.gqaMetrics(), key)));
        }
        return new RoleMetrics(
                spec, groups, List.copyOf(seeds), Collections.unmodifiableMap(spread), List.copyOf(warnings(seeds)));
    }

    /** The cell-6 verdict from the aggregated metrics of both models. */
    public static Verdict verdict(RoleMetrics base, RoleMetrics instruct) {
        double deltaSi = instruct.specialization().specializationIndex()
                - base.specialization().specializationIndex();
        double deltaCorr = instruct.specialization().meanHeadCorrelation()
                - base.specialization().meanHeadCorrelation();
        double deltaVar = instruct.specialization().meanHeadVariance()
                - base.specialization().meanHeadVariance();
        double deltaRatio =
                instruct.gqaMetrics().withinBetweenRatio() - base.gqaMetrics().withinBetweenRatio();
        boolean collapse1 = deltaSi < 0;
        boolean collapse2 = deltaCorr > 0;
        boolean collapse3 = deltaVar < 0;
        int count = (collapse1 ? 1 : 0) + (collapse2 ? 1 : 0) + (collapse3 ? 1 : 0);
        String code = count >= 2 ? Verdict.A_CONFIRMED : count == 1 ? Verdict.B_PARTIAL : Verdict.C_REFUTED;
        return new Verdict(code, collapse1, collapse2, collapse3, deltaSi, deltaCorr, deltaVar, deltaRatio);
    }

    /** A scalar specialization metric by its notebook key. */
    public static double scalar(SpecializationMetrics m, String key) {
        return switch (key) {
            case "mean_head_variance" -> m.meanHeadVariance();
            case "mean_head_correlation" -> m.meanHeadCorrelation();
            case "specialization_index" -> m.specializationIndex();
            case "effective_heads" -> m.effectiveHeads();
            case "effective_ratio" -> m.effectiveRatio();
            case "early_variance" -> m.earlyVariance();
            case "middle_variance" -> m.middleVariance();
            case "late_variance" -> m.lateVariance();
            default -> throw new IllegalArgumentException("not a scalar specialization metric: " + key);
        };
    }

    /** A scalar group metric by its notebook key. */
    public static double scalar(GroupMetrics m, String key) {
        return switch (key) {
            case "within_group_variance" -> m.withinGroupVariance();
            case "between_group_variance" -> m.betweenGroupVariance();
            case "within_between_ratio" -> m.withinBetweenRatio();
            default -> throw new IllegalArgumentException("not a scalar group metric: " + key);
        };
    }

    // np.mean([...]) over the seeds: a fresh contiguous array, pairwise summation
    private static double meanOver(List<SeedMetrics> seeds, ToDoubleFunction<SeedMetrics> metric) {
        double[] values = new double[seeds.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = metric.applyAsDouble(seeds.get(i));
        }
        return Numpy.mean(values);
    }

    /** max - min over the seeds; 0 when every seed gives the same value (also NaN or inf). */
    private static double spreadOver(List<SeedMetrics> seeds, ToDoubleFunction<SeedMetrics> metric) {
        double firstValue = metric.applyAsDouble(seeds.get(0));
        boolean allSame = true;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean anyNaN = false;
        for (SeedMetrics s : seeds) {
            double v = metric.applyAsDouble(s);
            allSame &= Double.compare(v, firstValue) == 0;
            anyNaN |= Double.isNaN(v);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (allSame) {
            return 0.0;
        }
        return anyNaN ? Double.NaN : max - min;
    }

    private static List<String> warnings(List<SeedMetrics> seeds) {
        List<String> warnings = new ArrayList<>();
        for (SeedMetrics s : seeds) {
            SpecializationMetrics m = s.specialization();
            int third = m.numLayers() / 3;
            if (third == 0) {
                warnings.add("seed " + s.seed() + ": " + m.numLayers() + " layer(s) < 3, so layers // 3 = 0: "
                        + "early_variance and middle_variance average an empty slice and are NaN, as numpy gives");
            }
            List<Integer> nanHeads = new ArrayList<>();
            for (int h = 0; h < m.numHeads(); h++) {
                if (Double.isNaN(m.headCorrelationMatrix()[h][h])) {
                    nanHeads.add(h);
                }
            }
            if (!nanHeads.isEmpty()) {
                warnings.add("seed " + s.seed() + ": head(s) " + nanHeads + " have a zero-variance profile across"
                        + " layers (or there is one layer): their correlation rows are NaN and are left out of"
                        + " mean_head_correlation (np.nanmean)");
            }
            if (Double.isNaN(m.meanHeadCorrelation())) {
                warnings.add("seed " + s.seed() + ": no finite head correlation, so mean_head_correlation and "
                        + "specialization_index are NaN");
            }
            if (Double.isInfinite(s.gqaMetrics().withinBetweenRatio())) {
                warnings.add("seed " + s.seed() + ": between_group_variance is "
                        + s.gqaMetrics().betweenGroupVariance() + " ("
                        + s.gqaMetrics().numKvGroups() + " KV group(s)), so within_between_ratio is inf");
            }
        }
        return warnings;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static void requireRectangular(double[][] a, int heads) {
        for (int l = 0; l < a.length; l++) {
            if (a[l] == null || a[l].length != heads) {
                throw new IllegalArgumentException(
                        "layer " + l + " has " + (a[l] == null ? 0 : a[l].length) + " heads, layer 0 has " + heads);
            }
        }
    }

    private static void requireShape(double[][][] perPrompt, int layers, int heads) {
        for (int p = 0; p < perPrompt.length; p++) {
            if (perPrompt[p].length != layers) {
                throw new IllegalArgumentException(
                        "prompt " + p + " has " + perPrompt[p].length + " layers, prompt 0 has " + layers);
            }
            for (int l = 0; l < layers; l++) {
                if (perPrompt[p][l].length != heads) {
                    throw new IllegalArgumentException("prompt " + p + " layer " + l + " has " + perPrompt[p][l].length
                            + " heads, prompt 0 has " + heads);
                }
            }
        }
    }
}
