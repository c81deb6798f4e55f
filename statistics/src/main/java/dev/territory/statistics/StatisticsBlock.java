package dev.territory.statistics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code statistics} block of results.json, its one writer: the seed spread of the notebook's metrics, and
 * from one seed's per-prompt entropies the uncertainty ({@link Uncertainty}: paired BCa bootstrap over prompts,
 * paired permutation test with Holm, verdict with uncertainty, within-layer head redundancy and its
 * length-partialled form), the three-way protocol comparison ({@link ProtocolComparison}) and the head extras
 * ({@link HeadExtras}). The metrics service computes it once both models' entropies of a seed are in its store;
 * {@code territory analyze} computes it in process with the same call.
 *
 * <p>The uncertainty uses one seed of each model (the first seed of the run that both models have in full):
 * the forward pass is deterministic, so the seeds give the same entropies (see {@code seed_spread});
 * resampling a seed's prompts is what measures how much the verdict depends on the ten prompts.
 *
 * @param json the block, as results.json carries it
 * @param uncertainty the bootstrap and permutation result (null when not computed)
 * @param skipped why the uncertainty was not computed (null when it was)
 */
public record StatisticsBlock(ObjectNode json, Uncertainty.Result uncertainty, String skipped) {

    /**
     * What of the run the block needs beyond the entropies.
     *
     * @param seeds the run's seeds, in run order
     * @param protocol the run's entropy protocol
     * @param numKvHeads the base model's key/value heads
     */
    public record Run(List<Integer> seeds, String protocol, int numKvHeads) {}

    /**
     * Computes the block.
     *
     * @param base seed-aggregated metrics of the base model
     * @param instruct seed-aggregated metrics of the fine-tuned model
     * @param entropies per-prompt entropies of one or more seeds of both models (may be empty: the block then
     *     says that the uncertainty, the protocol comparison and the head extras were not computed)
     * @param options bootstrap and permutation settings; null skips them on request
     */
    public static StatisticsBlock compute(
            Run run,
            RoleMetrics base,
            RoleMetrics instruct,
            List<PromptReductions> entropies,
            Uncertainty.Options options) {
        Outcome outcome = uncertainty(run, entropies, options);
        ObjectNode statistics = JsonNodeFactory.instance.objectNode();
        write(statistics, base, instruct, outcome);
        ProtocolComparison.write(statistics, run, entropies);
        HeadExtras.write(statistics, run, entropies);
        return new StatisticsBlock(statistics, outcome.result(), outcome.skipped());
    }

    /** The uncertainty as plain data for an event, null when not computed; {@link #read} takes it back. */
    public JsonNode uncertaintyJson() {
        return uncertainty == null ? null : MetricsJson.MAPPER.valueToTree(uncertainty);
    }

    /** The block as an event carried it: the JSON as written, the uncertainty from {@link #uncertaintyJson()}. */
    public static StatisticsBlock read(ObjectNode json, JsonNode uncertainty) {
        if (uncertainty == null || uncertainty.isNull()) {
            return new StatisticsBlock(json, null, json.path("uncertainty").asText());
        }
        try {
            return new StatisticsBlock(
                    json, MetricsJson.MAPPER.treeToValue(uncertainty, Uncertainty.Result.class), null);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable uncertainty result: " + e.getOriginalMessage(), e);
        }
    }

    /** The uncertainty result (null when not computed) and why it was not computed (null when it was). */
    record Outcome(Uncertainty.Result result, String skipped, Integer seed) {}

    /** Computes the uncertainty when it can; {@code options} null means skipped on request. */
    static Outcome uncertainty(Run run, List<PromptReductions> entropies, Uncertainty.Options options) {
        if (options == null) {
            return new Outcome(null, "skipped on request (--bootstrap 0)", null);
        }
        if (entropies == null || entropies.isEmpty()) {
            return new Outcome(
                    null,
                    "not computed: this report has no per-prompt entropies (only the models' "
                            + "over-prompt metrics), which the bootstrap and the permutation test resample",
                    null);
        }
        Integer seed = null;
        for (Integer s : run.seeds()) {
            if (complete(entropies, "base", s) != null && complete(entropies, "instruct", s) != null) {
                seed = s;
                break;
            }
        }
        if (seed == null) {
            return new Outcome(
                    null, "not computed: no seed has the per-prompt entropies of every prompt for both models", null);
        }
        double[][][] base = complete(entropies, "base", seed);
        double[][][] instruct = complete(entropies, "instruct", seed);
        if (base.length != instruct.length) {
            return new Outcome(
                    null,
                    "not computed: base has " + base.length + " prompts, instruct " + instruct.length
                            + "; the paired bootstrap and permutation test need the same prompts",
                    seed);
        }
        if (base[0].length != instruct[0].length || base[0][0].length != instruct[0][0].length) {
            return new Outcome(
                    null, "not computed: base and instruct entropies differ in shape (layers x heads)", seed);
        }
        return new Outcome(
                Uncertainty.analyze(
                        base,
                        instruct,
                        lengths(entropies, "base", seed),
                        lengths(entropies, "instruct", seed),
                        run.numKvHeads(),
                        options),
                null,
                seed);
    }

    /** Real-token count per prompt of one role and seed, in prompt order; null when a count is unknown. */
    static double[] lengths(List<PromptReductions> entropies, String role, int seed) {
        Map<Integer, Double> byPrompt = new TreeMap<>();
        for (PromptReductions r : entropies) {
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
    static double[][][] complete(List<PromptReductions> entropies, String role, int seed) {
        Map<Integer, double[][]> byPrompt = new TreeMap<>();
        for (PromptReductions r : entropies) {
            if (r.role().equals(role) && r.seed() == seed) {
                byPrompt.put(r.promptIndex(), r.entropies());
            }
        }
        if (byPrompt.isEmpty() || ((TreeMap<Integer, double[][]>) byPrompt).lastKey() != byPrompt.size() - 1) {
            return null;
        }
        return byPrompt.values().toArray(new double[0][][]);
    }

    /** Writes the seed spread, then the uncertainty or the sentence saying why it is absent. */
    static void write(ObjectNode statistics, RoleMetrics base, RoleMetrics instruct, Outcome outcome) {
        ObjectNode spread = statistics.putObject("seed_spread");
        spread.set("base", MetricsJson.toJson(base.seedSpread()));
        spread.set("instruct", MetricsJson.toJson(instruct.seedSpread()));
        statistics.put("seed_spread_note", "max - min over the seeds of each metric; 0 means the seeds agree exactly");
        if (outcome.result() == null) {
            statistics.put("uncertainty", outcome.skipped());
            return;
        }
        statistics.put(
                "uncertainty",
                "computed on the per-prompt entropies of seed " + outcome.seed() + " of both models, paired by prompt");
        Uncertainty.writeTo(statistics, outcome.result());
        // the notebook's cross-layer correlation beside the within-layer redundancy, for reading them together
        ObjectNode red = (ObjectNode) statistics.get("head_redundancy");
        ObjectNode cross = red.putObject("cross_layer_correlation");
        double b = base.specialization().meanHeadCorrelation();
        double i = instruct.specialization().meanHeadCorrelation();
        cross.set("base", MetricsJson.number(b));
        cross.set("instruct", MetricsJson.number(i));
        cross.set("delta", MetricsJson.number(i - b));
        cross.put(
                "note",
                "the notebook's mean_head_correlation (head i of every layer paired with head i of every "
                        + "other layer), over the seeds");
    }
}
