package dev.territory.reporting;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code statistics.protocol_comparison} (issue 9): the notebook's protocol e11-v3 against attendable on the
 * same forward pass of the run. Per model: how many (prompt, layer, head) cases have a different normalization
 * count (the notebook's count of non-zero mean weights against the keys the real rows could attend to) and an
 * entropy that moves by more than {@link #THRESHOLD}; and each verdict metric and the verdict under both.
 */
final class ProtocolComparison {

    static final String FROM = "e11-v3";
    static final String TO = "attendable";
    static final double THRESHOLD = 1e-6;
    static final List<String> METRICS =
            List.of("specialization_index", "mean_head_correlation", "mean_head_variance", "within_between_ratio");
    static final String[] ROLES = {"base", "instruct"};

    private ProtocolComparison() {}

    /** Case counts of one model on one seed. */
    record Cases(int cases, int normalizerDiffers, int entropyDiffers, int differing, double meanAbsChange,
            double maxAbsChange) {}

    /** Counts the cases of one role and seed; null when a record lacks either protocol. */
    static Cases cases(List<EntropyRecord> records, String role, int seed) {
        int cases = 0;
        int normalizer = 0;
        int entropy = 0;
        int both = 0;
        double sum = 0;
        double max = 0;
        boolean any = false;
        for (EntropyRecord r : records) {
            if (!r.role().equals(role) || r.seed() != seed) {
                continue;
            }
            EntropyRecord.ProtocolValues a = r.protocols().get(FROM);
            EntropyRecord.ProtocolValues b = r.protocols().get(TO);
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
    static RoleMetrics metrics(List<EntropyRecord> records, String role, String protocol, List<Integer> seeds, int numKvHeads) {
        List<SeedMetrics> out = new ArrayList<>();
        for (int seed : seeds) {
            Map<Integer, double[][]> byPrompt = new TreeMap<>();
            for (EntropyRecord r : records) {
                if (r.role().equals(role) && r.seed() == seed) {
                    byPrompt.put(r.promptIndex(), r.protocols().get(protocol).entropies());
                }
            }
            out.add(NotebookMetrics.seed(seed, byPrompt.values().toArray(new double[0][][]), numKvHeads));
        }
        return NotebookMetrics.aggregate(out);
    }

    /** Seeds whose every record of both roles carries both protocols, with the same prompts for both roles. */
    static List<Integer> seeds(RunDescription run, List<EntropyRecord> records) {
        List<Integer> out = new ArrayList<>();
        for (int seed : run.methodology().seeds()) {
            boolean ok = true;
            TreeMap<String, Integer> prompts = new TreeMap<>();
            for (String role : ROLES) {
                int n = 0;
                for (EntropyRecord r : records) {
                    if (r.role().equals(role) && r.seed() == seed) {
                        ok &= r.protocols().containsKey(FROM) && r.protocols().containsKey(TO);
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
    static void write(ObjectNode statistics, RunDescription run, List<EntropyRecord> records) {
        List<Integer> seeds = records == null ? List.of() : seeds(run, records);
        if (seeds.isEmpty()) {
            statistics.put("protocol_comparison", "not computed: the run's per-prompt entropies carry no " + FROM
                    + " and " + TO + " reductions of the same pass (computed by territory analyze; the pipeline "
                    + "sends one protocol's entropies only)");
            return;
        }
        ObjectNode n = statistics.putObject("protocol_comparison");
        ArrayNode protocols = n.putArray("protocols");
        protocols.add(FROM);
        protocols.add(TO);
        n.put("run_protocol", run.methodology().protocol());
        ArrayNode s = n.putArray("seeds");
        seeds.forEach(s::add);
        n.put("cases_seed", seeds.get(0));
        n.put("threshold", THRESHOLD);
        ObjectNode cases = n.putObject("cases");
        for (String role : ROLES) {
            Cases c = cases(records, role, seeds.get(0));
            ObjectNode cn = cases.putObject(role);
            cn.put("cases", c.cases());
            cn.put("normalizer_differs", c.normalizerDiffers());
            cn.put("entropy_differs", c.entropyDiffers());
            cn.put("differing", c.differing());
            Json.put(cn, "share", c.differing() / (double) c.cases());
            Json.put(cn, "mean_abs_entropy_change", c.meanAbsChange());
            Json.put(cn, "max_abs_entropy_change", c.maxAbsChange());
        }
        int kv = run.base().numKvHeads();
        RoleMetrics[][] m = new RoleMetrics[2][2]; // [protocol][role]
        String[] ids = {FROM, TO};
        for (int p = 0; p < 2; p++) {
            for (int r = 0; r < 2; r++) {
                m[p][r] = metrics(records, ROLES[r], ids[p], seeds, kv);
            }
        }
        ObjectNode metrics = n.putObject("metrics");
        for (int r = 0; r <= 2; r++) {
            ObjectNode mn = metrics.putObject(r < 2 ? ROLES[r] : "delta");
            for (String key : METRICS) {
                ObjectNode k = mn.putObject(key);
                double[] v = new double[2];
                for (int p = 0; p < 2; p++) {
                    v[p] = r < 2 ? scalar(m[p][r], key) : scalar(m[p][1], key) - scalar(m[p][0], key);
                    Json.put(k, ids[p], v[p]);
                }
                Json.put(k, "move", v[1] - v[0]);
            }
        }
        ObjectNode verdict = n.putObject("verdict");
        Verdict a = NotebookMetrics.verdict(m[0][0], m[0][1]);
        Verdict b = NotebookMetrics.verdict(m[1][0], m[1][1]);
        verdict.put(FROM, a.code());
        verdict.put(TO, b.code());
        verdict.put("same", a.code().equals(b.code()));
        n.put("note", "cases: (prompt, layer, head) of seed " + seeds.get(0) + "; differing = the normalization count "
                + "differs (non-zero mean weights vs keys the real rows could attend to) and the entropy moves by more "
                + "than " + THRESHOLD + "; metrics over the seeds listed, move = " + TO + " - " + FROM
                + "; both protocols from the same forward pass");
    }

    static double scalar(RoleMetrics m, String key) {
        return NotebookMetrics.SPECIALIZATION_KEYS.contains(key) ? NotebookMetrics.scalar(m.specialization(), key)
                : NotebookMetrics.scalar(m.gqaMetrics(), key);
    }
}
