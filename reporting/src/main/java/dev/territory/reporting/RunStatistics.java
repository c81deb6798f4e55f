package dev.territory.reporting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.Uncertainty;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code statistics} block of results.json: the notebook's seed spread, and issue 9's uncertainty
 * computed by the statistics core ({@link Uncertainty}: paired bootstrap over prompts, paired permutation
 * test, verdict with uncertainty, within-layer head redundancy) from the run's per-prompt entropies.
 *
 * <p>The uncertainty uses one seed of each model (the first seed of the run that both models have in
 * full): the forward pass is deterministic, so the seeds give the same entropies (see
 * {@code seed_spread}); resampling a seed's prompts is what measures how much the verdict depends on
 * the ten prompts.
 */
final class RunStatistics {

    /** The uncertainty result (null when not computed) and why it was not computed (null when it was). */
    record Outcome(Uncertainty.Result result, String skipped, Integer seed) {}

    private RunStatistics() {}

    /** Computes the uncertainty when it can; {@code options} null means skipped on request. */
    static Outcome compute(RunDescription run, List<EntropyRecord> entropies, Uncertainty.Options options) {
        if (options == null) {
            return new Outcome(null, "skipped on request (--bootstrap 0)", null);
        }
        if (entropies == null || entropies.isEmpty()) {
            return new Outcome(null, "not computed: this report has no per-prompt entropies (only the models' "
                    + "over-prompt metrics), which the bootstrap and the permutation test resample", null);
        }
        Integer seed = null;
        for (Integer s : run.methodology().seeds()) {
            if (complete(entropies, "base", s) != null && complete(entropies, "instruct", s) != null) {
                seed = s;
                break;
            }
        }
        if (seed == null) {
            return new Outcome(null, "not computed: no seed has the per-prompt entropies of every prompt for both models",
                    null);
        }
        double[][][] base = complete(entropies, "base", seed);
        double[][][] instruct = complete(entropies, "instruct", seed);
        if (base.length != instruct.length) {
            return new Outcome(null, "not computed: base has " + base.length + " prompts, instruct " + instruct.length
                    + "; the paired bootstrap and permutation test need the same prompts", seed);
        }
        if (base[0].length != instruct[0].length || base[0][0].length != instruct[0][0].length) {
            return new Outcome(null, "not computed: base and instruct entropies differ in shape (layers x heads)", seed);
        }
        return new Outcome(Uncertainty.analyze(base, instruct, lengths(entropies, "base", seed),
                lengths(entropies, "instruct", seed), run.base().numKvHeads(), options), null, seed);
    }

    /** Real-token count per prompt of one role and seed, in prompt order; null when a count is unknown. */
    static double[] lengths(List<EntropyRecord> entropies, String role, int seed) {
        Map<Integer, Double> byPrompt = new TreeMap<>();
        for (EntropyRecord r : entropies) {
            if (r.role().equals(role) && r.seed() == seed) {
                if (r.tokenCount() == null) {
                    return null;
                }
                byPrompt.put(r.promptIndex(), r.tokenCount().doubleValue());
            }
        }
        return byPrompt.values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** {@code [prompt][layer][head]} of one role and seed when prompts 0..n-1 are all there, else null. */
    static double[][][] complete(List<EntropyRecord> entropies, String role, int seed) {
        Map<Integer, double[][]> byPrompt = new TreeMap<>();
        for (EntropyRecord r : entropies) {
            if (r.role().equals(role) && r.seed() == seed) {
                byPrompt.put(r.promptIndex(), r.entropies());
            }
        }
        if (byPrompt.isEmpty() || ((TreeMap<Integer, double[][]>) byPrompt).lastKey() != byPrompt.size() - 1) {
            return null;
        }
        return byPrompt.values().toArray(new double[0][][]);
    }

    /** Writes the block: seed spread always, then the uncertainty or the sentence saying why it is absent. */
    static void write(ObjectNode statistics, RoleMetrics base, RoleMetrics instruct, Outcome outcome) {
        ObjectNode spread = statistics.putObject("seed_spread");
        spread.set("base", MetricsJson.toJson(base.seedSpread()));
        spread.set("instruct", MetricsJson.toJson(instruct.seedSpread()));
        statistics.put("seed_spread_note", "max - min over the seeds of each metric; 0 means the seeds agree exactly");
        if (outcome.result() == null) {
            statistics.put("uncertainty", outcome.skipped());
            return;
        }
        statistics.put("uncertainty", "computed on the per-prompt entropies of seed " + outcome.seed()
                + " of both models, paired by prompt");
        Uncertainty.writeTo(statistics, outcome.result());
        // the notebook's cross-layer correlation beside the within-layer redundancy, for reading them together
        ObjectNode red = (ObjectNode) statistics.get("head_redundancy");
        ObjectNode cross = red.putObject("cross_layer_correlation");
        double b = base.specialization().meanHeadCorrelation();
        double i = instruct.specialization().meanHeadCorrelation();
        cross.set("base", MetricsJson.number(b));
        cross.set("instruct", MetricsJson.number(i));
        cross.set("delta", MetricsJson.number(i - b));
        cross.put("note", "the notebook's mean_head_correlation (head i of every layer paired with head i of every "
                + "other layer), over the seeds");
    }
}
