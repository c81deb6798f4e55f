package dev.territory.statistics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole metrics output for one base/instruct pair, shared by {@code territory metrics} and the
 * metrics service:
 * <pre>
 * { "results":    { "base": {specialization, gqa_metrics, seed_results}, "instruct": {...}, "verdict": {...} },
 *   "seed_note":  "...",
 *   "statistics": { "seed_spread": {"base": {metric: max-min}, "instruct": {...}}, ... as in results.json },
 *   "warnings":   [ "..." ] }
 * </pre>
 * {@code results} is laid out as the notebook's cell 9 writes it. Non-finite numbers are the strings
 * "nan", "inf", "-inf" (see {@link MetricsJson}).
 */
public final class MetricsDocument {

    /** Per-prompt entropies of one model: seed (in run order) -> [prompt][layer][head]. */
    public record RoleInput(LinkedHashMap<Integer, double[][][]> perPromptBySeed) {
        public RoleInput {
            if (perPromptBySeed == null || perPromptBySeed.isEmpty()) {
                throw new IllegalArgumentException("no seeds");
            }
        }
    }

    /** The computed pieces, for callers that want records rather than JSON. */
    public record Computed(RoleMetrics base, RoleMetrics instruct, Verdict verdict, List<String> warnings) {}

    private MetricsDocument() {}

    public static Computed compute(RoleInput base, RoleInput instruct, int numKvHeads) {
        RoleMetrics b = role(base, numKvHeads);
        RoleMetrics i = role(instruct, numKvHeads);
        List<String> warnings = new ArrayList<>();
        b.warnings().forEach(w -> warnings.add("base " + w));
        i.warnings().forEach(w -> warnings.add("instruct " + w));
        return new Computed(b, i, NotebookMetrics.verdict(b, i), List.copyOf(warnings));
    }

    static RoleMetrics role(RoleInput input, int numKvHeads) {
        List<SeedMetrics> seeds = new ArrayList<>();
        for (Map.Entry<Integer, double[][][]> e : input.perPromptBySeed().entrySet()) {
            seeds.add(NotebookMetrics.seed(e.getKey(), e.getValue(), numKvHeads));
        }
        return NotebookMetrics.aggregate(seeds);
    }

    /**
     * The whole document, written in one go: {@code results}, {@code seed_note}, the {@code statistics} block of
     * {@link StatisticsBlock} (the one writer, as in results.json: seed spread, and the uncertainty from the
     * per-prompt entropies of the first seed both models have in full, or why not), {@code warnings}.
     *
     * @param options bootstrap and permutation settings; null skips them
     */
    public static ObjectNode build(
            Computed c, RoleInput base, RoleInput instruct, int numKvHeads, Uncertainty.Options options) {
        List<PromptReductions> prompts = new ArrayList<>();
        prompts.addAll(prompts("base", base));
        prompts.addAll(prompts("instruct", instruct));
        // the protocol is unknown here: it is named only by the parts that need other reductions than the entropies
        StatisticsBlock statistics = StatisticsBlock.compute(
                new StatisticsBlock.Run(List.copyOf(base.perPromptBySeed().keySet()), null, numKvHeads),
                c.base(),
                c.instruct(),
                prompts,
                options);
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("results", MetricsJson.results(c.base(), c.instruct(), c.verdict()));
        root.put("seed_note", seedNote(c));
        root.set("statistics", statistics.json());
        ArrayNode warnings = root.putArray("warnings");
        c.warnings().forEach(warnings::add);
        if (statistics.uncertainty() != null) {
            statistics.uncertainty().warnings().forEach(warnings::add);
        }
        return root;
    }

    private static List<PromptReductions> prompts(String role, RoleInput input) {
        List<PromptReductions> out = new ArrayList<>();
        input.perPromptBySeed().forEach((seed, perPrompt) -> {
            for (int p = 0; p < perPrompt.length; p++) {
                out.add(new PromptReductions(role, seed, p, perPrompt[p], null, null, null, null));
            }
        });
        return out;
    }

    /** A sentence on what the seeds changed. */
    static String seedNote(Computed c) {
        String worstKey = null;
        String worstRole = null;
        double worst = 0.0;
        Map<String, RoleMetrics> roles = new LinkedHashMap<>();
        roles.put("base", c.base());
        roles.put("instruct", c.instruct());
        for (Map.Entry<String, RoleMetrics> r : roles.entrySet()) {
            for (Map.Entry<String, Double> e : r.getValue().seedSpread().entrySet()) {
                double v = e.getValue();
                if (Double.isNaN(v) || v > worst) {
                    worst = Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
                    worstKey = e.getKey();
                    worstRole = r.getKey();
                }
            }
        }
        int seedsBase = c.base().seedResults().size();
        int seedsInstruct = c.instruct().seedResults().size();
        if (worstKey == null) {
            return "The seeds (" + seedsBase + " base, " + seedsInstruct + " instruct) give identical metrics "
                    + "(spread 0 for every metric): the forward pass is deterministic (eval mode, no sampling), "
                    + "so the notebook's seed averaging changes nothing and is not a measure of uncertainty.";
        }
        return "The seeds change the metrics: the largest spread (max - min over seeds) is " + worst + " for "
                + worstRole + " " + worstKey + ".";
    }
}
