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
 *   "statistics": { "seed_spread": {"base": {metric: max-min}, "instruct": {...}}, "seed_note": "...", ... },
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

    /** The document without uncertainty (issue 3's layout). */
    public static ObjectNode build(Computed c) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("results", MetricsJson.results(c.base(), c.instruct(), c.verdict()));
        ObjectNode statistics = root.putObject("statistics");
        ObjectNode spread = statistics.putObject("seed_spread");
        spread.set("base", MetricsJson.toJson(c.base().seedSpread()));
        spread.set("instruct", MetricsJson.toJson(c.instruct().seedSpread()));
        statistics.put("seed_note", seedNote(c));
        ArrayNode warnings = root.putArray("warnings");
        c.warnings().forEach(warnings::add);
        return root;
    }

    /**
     * The document with issue 9's uncertainty under {@code statistics}: computed on each model's first
     * seed, paired by prompt; skipped (with a warning) when the two models' prompt counts differ.
     */
    public static ObjectNode build(Computed c, RoleInput base, RoleInput instruct, int numKvHeads,
            Uncertainty.Options options) {
        ObjectNode root = build(c);
        double[][][] b = base.perPromptBySeed().values().iterator().next();
        double[][][] i = instruct.perPromptBySeed().values().iterator().next();
        ArrayNode warnings = (ArrayNode) root.get("warnings");
        if (b.length != i.length) {
            warnings.add("uncertainty skipped: base has " + b.length + " prompts, instruct " + i.length
                    + "; the paired bootstrap and permutation test need the same prompts");
            return root;
        }
        Uncertainty.Result r = Uncertainty.analyze(b, i, numKvHeads, options);
        Uncertainty.writeTo((ObjectNode) root.get("statistics"), r);
        r.warnings().forEach(warnings::add);
        return root;
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
        return "The seeds change the metrics: the largest spread (max - min over seeds) is "
                + worst + " for " + worstRole + " " + worstKey + ".";
    }
}
