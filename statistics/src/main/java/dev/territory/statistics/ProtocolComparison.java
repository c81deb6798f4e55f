package dev.territory.statistics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code statistics.protocol_comparison}: the notebook's protocol e11-v3, masked and attendable on the same
 * forward pass of the run, so that the two quirks are reported apart: e11-v3 to masked changes only which
 * query rows are averaged (padded rows too, or real rows only: step {@code padded_rows}); masked to
 * attendable changes only the normalizer (the fragile count of non-zero mean weights, or the keys the real
 * rows could attend to: step {@code normalizer}). Per model and step: how many (prompt, layer, head) cases
 * have a different normalization count and an entropy that moves by more than {@link #THRESHOLD}; and each
 * verdict metric and the verdict under all three.
 */
public final class ProtocolComparison {

    static final String FROM = "e11-v3";
    static final String MASKED = "masked";
    static final String TO = "attendable";
    static final List<String> PROTOCOLS = List.of(FROM, MASKED, TO);
    /** Step name, from protocol, to protocol. */
    static final String[][] STEPS = {{"padded_rows", FROM, MASKED}, {"normalizer", MASKED, TO}, {"total", FROM, TO}};

    static final double THRESHOLD = 1e-6;
    public static final List<String> METRICS =
            List.of("specialization_index", "mean_head_correlation", "mean_head_variance", "within_between_ratio");
    public static final List<String> ROLES = List.of("base", "instruct");

    private ProtocolComparison() {}

    /** Case counts of one model on one seed. */
    record Cases(
            int cases,
            int normalizerDiffers,
            int entropyDiffers,
            int differing,
            double meanAbsChange,
            double maxAbsChange) {}

    /** Counts the cases of one role and seed; null when a record lacks either protocol. */
    static Cases cases(List<PromptReductions> records, String role, int seed) {
        return cases(records, role, seed, FROM, TO);
    }

    /** Counts the cases of one role and seed between two protocols; null when a record lacks either. */
    static Cases cases(List<PromptReductions> records, String role, int seed, String fromId, String toId) {
        int cases = 0;
        int normalizer = 0;
        int entropy = 0;
        int both = 0;
        double sum = 0;
        double max = 0;
        boolean any = false;
        for (PromptReductions r : records) {
            if (!r.role().equals(role) || r.seed() != seed) {
                continue;
            }
            PromptReductions.ProtocolValues a = r.protocols().get(fromId);
            PromptReductions.ProtocolValues b = r.protocols().get(toId);
            if (a == null || b == null) {
                return null;
            }
            any = true;
            for (int l = 0; l < a.entropies().length; l++) {
                for (int h = 0; h < a.entropies()[l].length; h++) {
                    cases++;
                    double move = Math.abs(b.entropies()[l][h] - a.entropies()[l][h]);
                    boolean n = a.normalizers()[l][h] != b.normalizers()[l][h];
                    boolean e = move > THRESHOLD;
                    normalizer += n ? 1 : 0;
                    entropy += e ? 1 : 0;
                    both += n && e ? 1 : 0;
                    sum += move;
                    max = Math.max(max, move);
                }
            }
        }
        return any ? new Cases(cases, normalizer, entropy, both, sum / cases, max) : null;
    }

    /** Seed-aggregated metrics of one role under one protocol, over the given seeds. */
    static RoleMetrics metrics(
            List<PromptReductions> records, String role, String protocol, List<Integer> seeds, int numKvHeads) {
        List<SeedMetrics> out = new ArrayList<>();
        for (int seed : seeds) {
            Map<Integer, double[][]> byPrompt = new TreeMap<>();
            for (PromptReductions r : records) {
                if (r.role().equals(role) && r.seed() == seed) {
                    byPrompt.put(r.promptIndex(), r.protocols().get(protocol).entropies());
                }
            }
            out.add(NotebookMetrics.seed(seed, byPrompt.values().toArray(new double[0][][]), numKvHeads));
        }
        return NotebookMetrics.aggregate(out);
    }

    /** Seeds whose every record of both roles carries both protocols, with the same prompts for both roles. */
    static List<Integer> seeds(StatisticsBlock.Run run, List<PromptReductions> records) {
        List<Integer> out = new ArrayList<>();
        for (int seed : run.seeds()) {
            boolean ok = true;
            TreeMap<String, Integer> prompts = new TreeMap<>();
            for (String role : ROLES) {
                int n = 0;
                for (PromptReductions r : records) {
                    if (r.role().equals(role) && r.seed() == seed) {
                        ok &= r.protocols().keySet().containsAll(PROTOCOLS);
                        n++;
                    }
                }
                ok &= n > 0;
                prompts.put(role, n);
            }
            if (ok && prompts.get("base").equals(prompts.get("instruct"))) {
                out.add(seed);
            }
        }
        return out;
    }

    /** Writes the block, or a sentence saying why it is absent. */
    static void write(ObjectNode statistics, StatisticsBlock.Run run, List<PromptReductions> records) {
        List<Integer> seeds = records == null ? List.of() : seeds(run, records);
        if (seeds.isEmpty()) {
            statistics.put(
                    "protocol_comparison",
                    "not computed: the run's per-prompt entropies do not carry the " + String.join(", ", PROTOCOLS)
                            + " reductions of the same pass for every prompt of a seed");
            return;
        }
        ObjectNode n = statistics.putObject("protocol_comparison");
        ArrayNode protocols = n.putArray("protocols");
        PROTOCOLS.forEach(protocols::add);
        n.put("run_protocol", run.protocol());
        ArrayNode s = n.putArray("seeds");
        seeds.forEach(s::add);
        n.put("cases_seed", seeds.get(0));
        n.put("threshold", THRESHOLD);
        ObjectNode stepsNode = n.putObject("steps");
        for (String[] step : STEPS) {
            ObjectNode st = stepsNode.putObject(step[0]);
            st.put("from", step[1]);
            st.put("to", step[2]);
            st.put(
                    "what",
                    switch (step[0]) {
                        case "padded_rows" ->
                            "averaging the padded query rows too (e11-v3) or real rows only (masked); same"
                                    + " normalizer";
                        case "normalizer" ->
                            "normalizing by the count of non-zero mean weights (masked) or by the keys the"
                                    + " real rows could attend to (attendable); same rows";
                        default -> "both quirks together";
                    });
            ObjectNode byRole = st.putObject("cases");
            for (String role : ROLES) {
                cases(byRole.putObject(role), cases(records, role, seeds.get(0), step[1], step[2]));
            }
        }
        ObjectNode cases = n.putObject("cases");
        for (String role : ROLES) {
            cases(cases.putObject(role), cases(records, role, seeds.get(0)));
        }
        int kv = run.numKvHeads();
        int np = PROTOCOLS.size();
        RoleMetrics[][] m = new RoleMetrics[np][2]; // [protocol][role]
        for (int p = 0; p < np; p++) {
            for (int r = 0; r < 2; r++) {
                m[p][r] = metrics(records, ROLES.get(r), PROTOCOLS.get(p), seeds, kv);
            }
        }
        ObjectNode metrics = n.putObject("metrics");
        for (int r = 0; r <= 2; r++) {
            ObjectNode mn = metrics.putObject(r < 2 ? ROLES.get(r) : "delta");
            for (String key : METRICS) {
                ObjectNode k = mn.putObject(key);
                double[] v = new double[np];
                for (int p = 0; p < np; p++) {
                    v[p] = r < 2 ? scalar(m[p][r], key) : scalar(m[p][1], key) - scalar(m[p][0], key);
                    MetricsJson.put(k, PROTOCOLS.get(p), v[p]);
                }
                MetricsJson.put(k, "move_padded_rows", v[1] - v[0]);
                MetricsJson.put(k, "move_normalizer", v[2] - v[1]);
                MetricsJson.put(k, "move", v[2] - v[0]);
            }
        }
        ObjectNode verdict = n.putObject("verdict");
        String first = null;
        boolean same = true;
        for (int p = 0; p < np; p++) {
            String code = NotebookMetrics.verdict(m[p][0], m[p][1]).code();
            verdict.put(PROTOCOLS.get(p), code);
            same &= first == null || first.equals(code);
            first = first == null ? code : first;
        }
        verdict.put("same", same);
        n.put(
                "note",
                "cases: (prompt, layer, head) of seed " + seeds.get(0) + "; differing = the normalization count "
                        + "differs and the entropy moves by more than " + THRESHOLD + "; 'cases' is the total step ("
                        + FROM
                        + " to " + TO + "), 'steps' splits it; metrics over the seeds listed, move = " + TO + " - "
                        + FROM
                        + ", move_padded_rows = " + MASKED + " - " + FROM + ", move_normalizer = " + TO + " - " + MASKED
                        + "; all protocols from the same forward pass");
    }

    private static void cases(ObjectNode cn, Cases c) {
        cn.put("cases", c.cases());
        cn.put("normalizer_differs", c.normalizerDiffers());
        cn.put("entropy_differs", c.entropyDiffers());
        cn.put("differing", c.differing());
        MetricsJson.put(cn, "share", c.differing() / (double) c.cases());
        MetricsJson.put(cn, "mean_abs_entropy_change", c.meanAbsChange());
        MetricsJson.put(cn, "max_abs_entropy_change", c.maxAbsChange());
    }

    static double scalar(RoleMetrics m, String key) {
        return NotebookMetrics.SPECIALIZATION_KEYS.contains(key)
                ? NotebookMetrics.scalar(m.specialization(), key)
                : NotebookMetrics.scalar(m.gqaMetrics(), key);
    }
}
