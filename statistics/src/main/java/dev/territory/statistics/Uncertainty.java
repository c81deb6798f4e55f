package dev.territory.statistics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hipparchus.random.RandomGenerator;
import org.hipparchus.random.Well19937c;

/**
 * What the notebook lacks: uncertainty over the prompts for every metric and delta.
 *
 * <ul>
 *   <li><b>Bootstrap</b>: prompts resampled with replacement ({@code resamples} times, one
 *       {@link Well19937c} seeded with {@code seed}); the same resampled prompts for base and instruct,
 *       so the delta intervals are paired. The reported interval is {@link Bca BCa}: resampling repeats
 *       prompts, so the mean entropies it averages are noisier and the cross-layer correlations lower (on
 *       the llama3-gqa fixture the resampled instruct specialization_index lies above the estimate in more
 *       than 97.5% of resamples, so the plain percentile interval misses the estimate); BCa's bias
 *       correction z0 comes from that bootstrap distribution and its acceleration from the jackknife over
 *       prompts (leaving one prompt out of both models for deltas). The plain percentile interval is
 *       reported beside it.</li>
 *   <li><b>Paired permutation test</b>: for each prompt, base and instruct swapped or not; two-sided
 *       p = share of assignments whose |delta| is at least the observed |delta|. With 2^prompts no
 *       larger than {@code permutations} every assignment is enumerated (exact p); otherwise
 *       {@code permutations} random assignments, p = (1 + count) / (1 + permutations). {@link Holm}
 *       adjusts the p-values over the verdict's independent criteria and over the whole metric family.</li>
 * </ul>
 * Inputs are one seed's per-prompt entropies per model (the first seed): the seeds of a deterministic
 * forward pass are identical (see {@code seed_spread}), so more seeds add nothing.
 */
public final class Uncertainty {

    /** What the intervals and p-values cover, and what they do not. */
    public static final String SCOPE = "The intervals and p-values cover the sampling of prompts for this model pair"
            + " and seed only (the prompts resampled, the models fixed); they say nothing about other checkpoints,"
            + " other fine-tuning runs or other seeds of training. The permutation null is full exchangeability of"
            + " base and instruct within a prompt.";

    /** Settings; {@link #defaults()} are the services' defaults. */
    public record Options(int resamples, int permutations, long seed, double level) {
        public Options {
            if (resamples < 1 || permutations < 1 || !(level > 0 && level < 1)) {
                throw new IllegalArgumentException("resamples and permutations must be >= 1 and level in (0, 1), got "
                        + resamples + ", " + permutations + ", " + level);
            }
        }

        public static Options defaults() {
            return new Options(2000, 10_000, 42L, 0.95);
        }
    }

    /** A confidence interval; NaN bounds when a resample gave NaN for the metric. */
    public record Interval(double low, double high) {
        public boolean contains(double x) {
            return low <= x && x <= high;
        }

        public boolean excludesZero() {
            return low > 0 || high < 0;
        }
    }

    /**
     * One verdict criterion with its uncertainty.
     *
     * @param interval the BCa interval of the delta
     * @param independent false for the criterion that repeats another's measurement
     * @param pHolm Holm-adjusted over the independent criteria (NaN for the repeated one)
     * @param significant the interval excludes 0 (on either side)
     */
    public record Criterion(
            String name,
            String deltaMetric,
            boolean holds,
            double delta,
            Interval interval,
            double pValue,
            boolean independent,
            double pHolm,
            boolean significant) {}

    /** The bootstrap of one role or of the delta: BCa and percentile intervals, BCa's z0 and acceleration. */
    public record Intervals(
            Map<String, Interval> bca,
            Map<String, Interval> percentile,
            Map<String, Double> z0,
            Map<String, Double> acceleration) {}

    /**
     * Everything of the analysis. Metric maps are keyed by {@link #metrics()} (notebook keys plus the
     * within-layer redundancy, and its length-partialled form when prompt lengths are known).
     */
    public record Result(
            Options options,
            List<String> metrics,
            Map<String, Double> basePoint,
            Map<String, Double> instructPoint,
            Intervals baseBootstrap,
            Intervals instructBootstrap,
            Intervals deltaBootstrap,
            Map<String, Double> pValues,
            Map<String, Double> pValuesHolm,
            int permutationsUsed,
            boolean exactPermutation,
            List<Criterion> criteria,
            String verdictCode,
            String verdictSummary,
            HeadRedundancy baseRedundancy,
            HeadRedundancy instructRedundancy,
            HeadRedundancy baseRedundancyPartial,
            HeadRedundancy instructRedundancyPartial,
            List<String> warnings) {

        /** BCa intervals of the base model's metrics. */
        public Map<String, Interval> base() {
            return baseBootstrap.bca();
        }

        public Map<String, Interval> instruct() {
            return instructBootstrap.bca();
        }

        /** BCa intervals of the deltas (instruct - base), paired over prompts. */
        public Map<String, Interval> delta() {
            return deltaBootstrap.bca();
        }

        /** How many of the independent criteria have a delta interval that excludes 0. */
        public int significantCount() {
            return (int) criteria.stream()
                    .filter(c -> c.independent() && c.significant())
                    .count();
        }

        public int independentCount() {
            return (int) criteria.stream().filter(Criterion::independent).count();
        }

        /** The Holm-adjusted p-values over the independent criteria, keyed by criterion. */
        public Map<String, Double> criteriaHolm() {
            Map<String, Double> out = new LinkedHashMap<>();
            criteria.stream().filter(Criterion::independent).forEach(c -> out.put(c.name(), c.pHolm()));
            return out;
        }
    }

    public static final String REDUNDANCY = "within_layer_redundancy";
    public static final String REDUNDANCY_PARTIAL = "within_layer_redundancy_length_partialled";

    /** The metrics bootstrapped without prompt lengths (notebook keys plus the within-layer redundancy). */
    public static final List<String> METRICS;

    static {
        List<String> m = new ArrayList<>(NotebookMetrics.SPECIALIZATION_KEYS);
        m.addAll(NotebookMetrics.GROUP_KEYS);
        m.add(REDUNDANCY);
        METRICS = List.copyOf(m);
    }

    /**
     * The notebook's three criteria; the second repeats the first's measurement
     * ({@code specialization_index = 1 - mean_head_correlation}), so two are independent.
     */
    private static final String[][] CRITERIA = {
        {"specialization_decreased", "specialization_index", "independent"},
        {"correlation_increased", "mean_head_correlation", "repeats specialization_decreased"},
        {"variance_decreased", "mean_head_variance", "independent"},
    };

    /** Why the verdict has two independent criteria, not three. */
    public static final String INDEPENDENT_REASON = "specialization_index = 1 - mean_head_correlation, so criterion 1"
            + " (specialization decreased) and criterion 2 (head correlation increased) are one measurement and always"
            + " agree; the independent criteria are the specialization index and the mean head variance";

    private Uncertainty() {}

    /** As {@link #analyze(double[][][], double[][][], double[], double[], int, Options)} without prompt lengths. */
    public static Result analyze(double[][][] base, double[][][] instruct, int numKvHeads, Options options) {
        return analyze(base, instruct, null, null, numKvHeads, options);
    }

    /**
     * @param base {@code [prompt][layer][head]} of the base model
     * @param instruct the same prompts, same order, of the instruct model
     * @param baseLengths real-token count of each prompt under the base tokenizer (null: unknown, and the
     *     length-partialled redundancy is left out)
     * @param instructLengths the same under the instruct tokenizer
     */
    public static Result analyze(
            double[][][] base,
            double[][][] instruct,
            double[] baseLengths,
            double[] instructLengths,
            int numKvHeads,
            Options options) {
        int prompts = base.length;
        if (instruct.length != prompts) {
            throw new IllegalArgumentException(
                    "paired analysis needs the same prompts: base has " + prompts + ", instruct " + instruct.length);
        }
        boolean lengths = baseLengths != null && instructLengths != null;
        if (lengths && (baseLengths.length != prompts || instructLengths.length != prompts)) {
            throw new IllegalArgumentException("prompt lengths: " + prompts + " prompts but " + baseLengths.length
                    + " base and " + instructLengths.length + " instruct lengths");
        }
        double[] bl = lengths ? baseLengths : null;
        double[] il = lengths ? instructLengths : null;
        List<String> metrics = new ArrayList<>(METRICS);
        if (lengths) {
            metrics.add(REDUNDANCY_PARTIAL);
        }
        List<String> warnings = new ArrayList<>();
        int[] all = HeadRedundancy.identity(prompts);
        double[] basePoint = evaluate(base, all, numKvHeads, bl);
        double[] instPoint = evaluate(instruct, all, numKvHeads, il);
        int n = metrics.size();

        // bootstrap: paired resampling of prompt indices
        RandomGenerator rng = new Well19937c(options.seed());
        double[][] bootBase = new double[n][options.resamples()];
        double[][] bootInst = new double[n][options.resamples()];
        double[][] bootDelta = new double[n][options.resamples()];
        int[] index = new int[prompts];
        for (int r = 0; r < options.resamples(); r++) {
            for (int i = 0; i < prompts; i++) {
                index[i] = rng.nextInt(prompts);
            }
            double[] b = evaluate(base, index, numKvHeads, bl);
            double[] s = evaluate(instruct, index, numKvHeads, il);
            for (int m = 0; m < n; m++) {
                bootBase[m][r] = b[m];
                bootInst[m][r] = s[m];
                bootDelta[m][r] = s[m] - b[m];
            }
        }
        // jackknife: each prompt left out of both models, for BCa's acceleration
        double[][] jackBase = new double[n][prompts];
        double[][] jackInst = new double[n][prompts];
        double[][] jackDelta = new double[n][prompts];
        int[] without = new int[prompts - 1];
        for (int left = 0; left < prompts && prompts > 1; left++) {
            for (int i = 0, k = 0; i < prompts; i++) {
                if (i != left) {
                    without[k++] = i;
                }
            }
            double[] b = evaluate(base, without, numKvHeads, bl);
            double[] s = evaluate(instruct, without, numKvHeads, il);
            for (int m = 0; m < n; m++) {
                jackBase[m][left] = b[m];
                jackInst[m][left] = s[m];
                jackDelta[m][left] = s[m] - b[m];
            }
        }
        Bootstrapped baseB = new Bootstrapped();
        Bootstrapped instB = new Bootstrapped();
        Bootstrapped deltaB = new Bootstrapped();
        for (int m = 0; m < n; m++) {
            String key = metrics.get(m);
            baseB.add(key, bootBase[m], basePoint[m], jackBase[m], options.level(), "base", warnings);
            instB.add(key, bootInst[m], instPoint[m], jackInst[m], options.level(), "instruct", warnings);
            deltaB.add(
                    key, bootDelta[m], instPoint[m] - basePoint[m], jackDelta[m], options.level(), "delta", warnings);
        }
        Map<String, Interval> deltaIv = deltaB.bca;

        // paired permutation test: swap base/instruct per prompt
        double[] observed = new double[n];
        for (int m = 0; m < n; m++) {
            observed[m] = instPoint[m] - basePoint[m];
        }
        boolean exact = prompts < 31 && (1L << prompts) <= options.permutations();
        long total = exact ? 1L << prompts : options.permutations();
        long[] atLeast = new long[n];
        double[][][] permBase = new double[prompts][][];
        double[][][] permInst = new double[prompts][][];
        double[] permBaseLen = lengths ? new double[prompts] : null;
        double[] permInstLen = lengths ? new double[prompts] : null;
        RandomGenerator permRng = new Well19937c(options.seed());
        for (long k = 0; k < total; k++) {
            for (int i = 0; i < prompts; i++) {
                boolean swap = exact ? ((k >>> i) & 1L) == 1L : permRng.nextBoolean();
                permBase[i] = swap ? instruct[i] : base[i];
                permInst[i] = swap ? base[i] : instruct[i];
                if (lengths) {
                    permBaseLen[i] = swap ? il[i] : bl[i];
                    permInstLen[i] = swap ? bl[i] : il[i];
                }
            }
            double[] b = evaluate(permBase, all, numKvHeads, permBaseLen);
            double[] s = evaluate(permInst, all, numKvHeads, permInstLen);
            for (int m = 0; m < n; m++) {
                double d = Math.abs(s[m] - b[m]);
                double obs = Math.abs(observed[m]);
                // ties within rounding count as "at least as extreme"
                if (d >= obs - 1e-12 * Math.max(1.0, obs)) {
                    atLeast[m]++;
                }
            }
        }
        Map<String, Double> pValues = new LinkedHashMap<>();
        for (int m = 0; m < n; m++) {
            double p = Double.isNaN(observed[m])
                    ? Double.NaN
                    : exact ? (double) atLeast[m] / total : (1.0 + atLeast[m]) / (1.0 + total);
            pValues.put(metrics.get(m), p);
        }

        // verdict with uncertainty: cell 6's rule on the point estimates, the criteria's intervals, and
        // Holm over the independent criteria
        Map<String, Double> independentP = new LinkedHashMap<>();
        for (String[] c : CRITERIA) {
            if (c[2].equals("independent")) {
                independentP.put(c[0], pValues.get(c[1]));
            }
        }
        Map<String, Double> criteriaHolm = Holm.adjust(independentP);
        List<Criterion> criteria = new ArrayList<>();
        for (String[] c : CRITERIA) {
            double delta = observed[metrics.indexOf(c[1])];
            boolean decreased = c[0].endsWith("decreased");
            boolean holds = decreased ? delta < 0 : delta > 0;
            Interval iv = deltaIv.get(c[1]);
            boolean independent = c[2].equals("independent");
            criteria.add(new Criterion(
                    c[0],
                    c[1],
                    holds,
                    delta,
                    iv,
                    pValues.get(c[1]),
                    independent,
                    criteriaHolm.getOrDefault(c[0], Double.NaN),
                    iv.excludesZero()));
        }
        int holding = (int) criteria.stream().filter(Criterion::holds).count();
        String code = holding >= 2 ? Verdict.A_CONFIRMED : holding == 1 ? Verdict.B_PARTIAL : Verdict.C_REFUTED;
        int independent = (int) criteria.stream().filter(Criterion::independent).count();
        int significant = (int) criteria.stream()
                .filter(c -> c.independent() && c.significant())
                .count();
        String summary = code + ": " + holding + " of 3 criteria hold (point estimates, the notebook's rule); "
                + significant + " of " + independent + " independent criteria exclude 0 at "
                + formatLevel(options.level()) + " (paired BCa bootstrap interval of the delta). "
                + Character.toUpperCase(INDEPENDENT_REASON.charAt(0)) + INDEPENDENT_REASON.substring(1) + ".";

        Map<String, Double> bp = new LinkedHashMap<>();
        Map<String, Double> ip = new LinkedHashMap<>();
        for (int m = 0; m < n; m++) {
            bp.put(metrics.get(m), basePoint[m]);
            ip.put(metrics.get(m), instPoint[m]);
        }
        return new Result(
                options,
                List.copyOf(metrics),
                bp,
                ip,
                baseB.result(),
                instB.result(),
                deltaB.result(),
                pValues,
                Holm.adjust(pValues),
                (int) total,
                exact,
                List.copyOf(criteria),
                code,
                summary,
                HeadRedundancy.of(base),
                HeadRedundancy.of(instruct),
                lengths ? HeadRedundancy.partialled(base, all, bl) : null,
                lengths ? HeadRedundancy.partialled(instruct, all, il) : null,
                List.copyOf(warnings));
    }

    /** All bootstrapped metrics for the prompts {@code perPrompt[index[i]]}, in {@link #METRICS} order. */
    static double[] evaluate(double[][][] perPrompt, int[] index, int numKvHeads, double[] lengths) {
        double[][] mean = meanOverPrompts(perPrompt, index);
        SpecializationMetrics s = NotebookMetrics.specialization(mean);
        GroupMetrics g = NotebookMetrics.groups(mean, numKvHeads);
        double[] out = new double[METRICS.size() + (lengths == null ? 0 : 1)];
        int k = 0;
        for (String key : NotebookMetrics.SPECIALIZATION_KEYS) {
            out[k++] = NotebookMetrics.scalar(s, key);
        }
        for (String key : NotebookMetrics.GROUP_KEYS) {
            out[k++] = NotebookMetrics.scalar(g, key);
        }
        out[k++] = HeadRedundancy.of(perPrompt, index).overall();
        if (lengths != null) {
            out[k] = HeadRedundancy.partialled(perPrompt, index, lengths).overall();
        }
        return out;
    }

    private static double[][] meanOverPrompts(double[][][] perPrompt, int[] index) {
        int layers = perPrompt[0].length;
        int heads = perPrompt[0][0].length;
        double[][] mean = new double[layers][heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                double sum = 0.0;
                for (int i : index) {
                    sum += perPrompt[i][l][h];
                }
                mean[l][h] = sum / index.length;
            }
        }
        return mean;
    }

    /** Bootstrap intervals of one role (or the delta): BCa, percentile, z0 and acceleration. */
    private static final class Bootstrapped {
        final Map<String, Interval> bca = new LinkedHashMap<>();
        final Map<String, Interval> percentile = new LinkedHashMap<>();
        final Map<String, Double> z0 = new LinkedHashMap<>();
        final Map<String, Double> acceleration = new LinkedHashMap<>();

        void add(
                String key,
                double[] values,
                double point,
                double[] jackknife,
                double level,
                String what,
                List<String> warnings) {
            for (double v : values) {
                if (Double.isNaN(v)) {
                    warnings.add("bootstrap " + what + " " + key + ": some resamples give NaN, so its interval is NaN");
                    Interval nan = new Interval(Double.NaN, Double.NaN);
                    bca.put(key, nan);
                    percentile.put(key, nan);
                    z0.put(key, Double.NaN);
                    acceleration.put(key, Double.NaN);
                    return;
                }
            }
            percentile.put(key, Bca.percentile(values, level));
            z0.put(key, Bca.biasCorrection(values, point));
            acceleration.put(key, Bca.acceleration(jackknife));
            bca.put(key, Bca.interval(values, point, jackknife, level));
        }

        Intervals result() {
            return new Intervals(
                    new LinkedHashMap<>(bca),
                    new LinkedHashMap<>(percentile),
                    new LinkedHashMap<>(z0),
                    new LinkedHashMap<>(acceleration));
        }
    }

    private static String formatLevel(double level) {
        double pct = level * 100;
        return (pct == Math.rint(pct) ? String.valueOf((long) pct) : String.valueOf(pct)) + "%";
    }

    // ---------------------------------------------------------------- JSON

    /**
     * Adds {@code scope}, {@code bootstrap}, {@code permutation}, {@code verdict_uncertainty} and
     * {@code head_redundancy} to a {@code statistics} object.
     */
    public static void writeTo(ObjectNode statistics, Result r) {
        statistics.put("scope", SCOPE);
        ObjectNode boot = statistics.putObject("bootstrap");
        boot.put("resamples", r.options().resamples());
        boot.put("seed", r.options().seed());
        boot.put("level", r.options().level());
        boot.put(
                "method",
                "BCa (bias-corrected and accelerated, Efron 1987): prompts resampled with replacement, the"
                        + " same resample for base and instruct (paired deltas), Well19937c; bias correction z0 from the bootstrap"
                        + " distribution, acceleration from the jackknife over prompts (one prompt left out of both models for"
                        + " deltas); endpoints as scipy.stats.bootstrap(method='BCa'). Percentile intervals under 'percentile'");
        boot.set("base", intervals(r.base()));
        boot.set("instruct", intervals(r.instruct()));
        boot.set("delta", intervals(r.delta()));
        ObjectNode plain = boot.putObject("percentile");
        plain.set("base", intervals(r.baseBootstrap().percentile()));
        plain.set("instruct", intervals(r.instructBootstrap().percentile()));
        plain.set("delta", intervals(r.deltaBootstrap().percentile()));
        ObjectNode bca = boot.putObject("bca");
        for (String role : List.of("base", "instruct", "delta")) {
            Intervals iv = role.equals("base")
                    ? r.baseBootstrap()
                    : role.equals("instruct") ? r.instructBootstrap() : r.deltaBootstrap();
            ObjectNode node = bca.putObject(role);
            node.set("z0", MetricsJson.toJson(iv.z0()));
            node.set("acceleration", MetricsJson.toJson(iv.acceleration()));
        }

        ObjectNode perm = statistics.putObject("permutation");
        perm.put("permutations", r.permutationsUsed());
        perm.put("requested", r.options().permutations());
        perm.put("seed", r.options().seed());
        perm.put("exact", r.exactPermutation());
        perm.put(
                "method",
                r.exactPermutation()
                        ? "paired, two-sided: every one of the 2^prompts base/instruct swaps enumerated (exact p)"
                        : "paired, two-sided: random base/instruct swaps per prompt, p = (1 + count) / (1 + permutations)");
        perm.put("null_hypothesis", "full exchangeability of base and instruct within each prompt");
        perm.set("p_values", MetricsJson.toJson(r.pValues()));
        ObjectNode holm = perm.putObject("p_values_holm");
        holm.put(
                "method",
                "Holm step-down; 'criteria' over the verdict's independent criteria, 'family' over every"
                        + " metric in p_values (specialization_index and mean_head_correlation both counted)");
        holm.set("criteria", MetricsJson.toJson(r.criteriaHolm()));
        holm.set("family", MetricsJson.toJson(r.pValuesHolm()));

        ObjectNode verdict = statistics.putObject("verdict_uncertainty");
        verdict.put("code", r.verdictCode());
        verdict.put("significant_criteria", r.significantCount());
        verdict.put("independent_criteria", r.independentCount());
        verdict.put("independent_criteria_reason", INDEPENDENT_REASON);
        verdict.put("summary", r.verdictSummary());
        ObjectNode criteria = verdict.putObject("criteria");
        for (Criterion c : r.criteria()) {
            ObjectNode node = criteria.putObject(c.name());
            node.put("metric", c.deltaMetric());
            node.put("holds", c.holds());
            node.put("independent", c.independent());
            node.set("delta", MetricsJson.number(c.delta()));
            node.set("interval", pair(c.interval()));
            node.put("interval_method", "BCa");
            node.put("interval_excludes_zero", c.interval().excludesZero());
            node.set("p_value", MetricsJson.number(c.pValue()));
            if (c.independent()) {
                node.set("p_value_holm", MetricsJson.number(c.pHolm()));
            }
            node.put("significant", c.significant());
        }

        ObjectNode red = statistics.putObject("head_redundancy");
        red.put(
                "definition",
                "per layer, the mean over head pairs of the Pearson correlation across prompts of the"
                        + " two heads' entropies; overall = mean over layers. Unlike mean_head_correlation, which pairs head i"
                        + " of every layer with head i of every other (no architectural meaning), it compares heads that share"
                        + " an input.");
        red.set("base", redundancy(r.baseRedundancy()));
        red.set("instruct", redundancy(r.instructRedundancy()));
        red.set("delta", redundancyDelta(r.baseRedundancy(), r.instructRedundancy()));
        ObjectNode partial = red.putObject("length_partialled");
        partial.put("name", REDUNDANCY_PARTIAL);
        partial.put(
                "definition",
                "the same mean of within-layer correlations, each a partial correlation with the"
                        + " prompt's real-token count partialled out (both heads' entropies regressed on the count, the residuals"
                        + " correlated): what remains when longer prompts lowering or raising every head together is removed");
        if (r.baseRedundancyPartial() == null) {
            partial.put("status", "not computed: the prompts' real-token counts are not known to this analysis");
        } else {
            partial.set("base", redundancy(r.baseRedundancyPartial()));
            partial.set("instruct", redundancy(r.instructRedundancyPartial()));
            partial.set("delta", redundancyDelta(r.baseRedundancyPartial(), r.instructRedundancyPartial()));
        }
    }

    private static ObjectNode redundancyDelta(HeadRedundancy b, HeadRedundancy i) {
        ObjectNode delta = JsonNodeFactory.instance.objectNode();
        double[] d = new double[b.perLayer().length];
        for (int l = 0; l < d.length; l++) {
            d[l] = i.perLayer()[l] - b.perLayer()[l];
        }
        delta.set("per_layer", MetricsJson.array(d));
        delta.set("overall", MetricsJson.number(i.overall() - b.overall()));
        return delta;
    }

    private static ObjectNode intervals(Map<String, Interval> m) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        m.forEach((k, v) -> node.set(k, pair(v)));
        return node;
    }

    private static ArrayNode pair(Interval iv) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(2);
        a.add(MetricsJson.number(iv.low()));
        a.add(MetricsJson.number(iv.high()));
        return a;
    }

    private static ObjectNode redundancy(HeadRedundancy h) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("per_layer", MetricsJson.array(h.perLayer()));
        node.set("overall", MetricsJson.number(h.overall()));
        return node;
    }
}
