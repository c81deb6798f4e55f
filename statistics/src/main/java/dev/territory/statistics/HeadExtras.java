package dev.territory.statistics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code statistics.head_extras}: beside each head's normalized entropy, its attention-sink mass (mean
 * weight on the first token) and its mean per-row entropy in bits (Clark et al. 2019), each averaged over the
 * prompts of one seed per model; how they correlate across heads; and the lowest-entropy heads with their sink
 * mass, so that a reader sees how much of a low entropy is the sink.
 */
final class HeadExtras {

    /** Heads listed in {@code lowest_entropy_heads}. */
    static final int LOWEST = 5;

    private HeadExtras() {}

    /** Prompt means of one role and seed: entropy, sink mass, row entropy (null when absent); null when no sink mass. */
    record Means(double[][] entropy, double[][] sinkMass, double[][] rowEntropy, int prompts) {}

    static Means means(List<PromptReductions> records, String role, int seed) {
        double[][] e = null;
        double[][] s = null;
        double[][] r = null;
        boolean rows = true;
        int n = 0;
        for (PromptReductions rec : records) {
            if (!rec.role().equals(role) || rec.seed() != seed) {
                continue;
            }
            if (rec.sinkMass() == null) {
                return null;
            }
            rows &= rec.rowEntropy() != null;
            e = add(e, rec.entropies());
            s = add(s, rec.sinkMass());
            r = rows ? add(r, rec.rowEntropy()) : null;
            n++;
        }
        if (n == 0) {
            return null;
        }
        return new Means(scale(e, n), scale(s, n), r == null ? null : scale(r, n), n);
    }

    /** The first seed of the run with sink masses for both models. */
    static Integer seed(StatisticsBlock.Run run, List<PromptReductions> records) {
        for (int seed : run.seeds()) {
            if (means(records, "base", seed) != null && means(records, "instruct", seed) != null) {
                return seed;
            }
        }
        return null;
    }

    static void write(ObjectNode statistics, StatisticsBlock.Run run, List<PromptReductions> records) {
        Integer seed = records == null ? null : seed(run, records);
        if (seed == null) {
            statistics.put(
                    "head_extras",
                    "not computed: the run's per-prompt entropies carry no sink mass or row "
                            + "entropy (computed by territory analyze; the pipeline sends the entropies only)");
            return;
        }
        ObjectNode n = statistics.putObject("head_extras");
        n.put("seed", seed);
        n.put("protocol", run.protocol());
        for (String role : ProtocolComparison.ROLES) {
            Means m = means(records, role, seed);
            ObjectNode rn = n.putObject(role);
            rn.put("prompts", m.prompts());
            rn.set("entropy", MetricsJson.matrix(m.entropy()));
            rn.set("sink_mass", MetricsJson.matrix(m.sinkMass()));
            if (m.rowEntropy() != null) {
                rn.set("row_entropy", MetricsJson.matrix(m.rowEntropy()));
            }
            MetricsJson.put(rn, "mean_sink_mass", mean(flat(m.sinkMass())));
            MetricsJson.put(rn, "correlation_entropy_sink_mass", pearson(flat(m.entropy()), flat(m.sinkMass())));
            if (m.rowEntropy() != null) {
                MetricsJson.put(
                        rn, "correlation_entropy_row_entropy", pearson(flat(m.entropy()), flat(m.rowEntropy())));
            }
            ArrayNode low = rn.putArray("lowest_entropy_heads");
            for (int[] lh : lowest(m.entropy(), LOWEST)) {
                ObjectNode h = low.addObject();
                h.put("layer", lh[0]);
                h.put("head", lh[1]);
                MetricsJson.put(h, "entropy", m.entropy()[lh[0]][lh[1]]);
                MetricsJson.put(h, "sink_mass", m.sinkMass()[lh[0]][lh[1]]);
                if (m.rowEntropy() != null) {
                    MetricsJson.put(h, "row_entropy", m.rowEntropy()[lh[0]][lh[1]]);
                }
            }
        }
        n.put(
                "note",
                "[layer][head] means over the prompts of seed " + seed + ": entropy under the run's protocol "
                        + "(normalized), sink_mass = mean attention weight on the first token over the protocol's query rows, "
                        + "row_entropy = mean over real query rows of each row's entropy in bits (Clark et al. 2019); "
                        + "correlations are Pearson's across heads");
    }

    /** (layer, head) of the {@code k} lowest entropies, lowest first (ties by layer, then head). */
    static List<int[]> lowest(double[][] e, int k) {
        List<int[]> all = new ArrayList<>();
        for (int l = 0; l < e.length; l++) {
            for (int h = 0; h < e[l].length; h++) {
                all.add(new int[] {l, h});
            }
        }
        all.sort(Comparator.<int[]>comparingDouble(x -> e[x[0]][x[1]])
                .thenComparingInt(x -> x[0])
                .thenComparingInt(x -> x[1]));
        return all.subList(0, Math.min(k, all.size()));
    }

    static double pearson(double[] x, double[] y) {
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    static double[] flat(double[][] m) {
        return java.util.Arrays.stream(m)
                .flatMapToDouble(java.util.Arrays::stream)
                .toArray();
    }

    private static double[][] add(double[][] acc, double[][] x) {
        if (acc == null) {
            acc = new double[x.length][x[0].length];
        }
        for (int l = 0; l < x.length; l++) {
            for (int h = 0; h < x[l].length; h++) {
                acc[l][h] += x[l][h];
            }
        }
        return acc;
    }

    private static double[][] scale(double[][] m, int n) {
        for (double[] row : m) {
            for (int h = 0; h < row.length; h++) {
                row[h] /= n;
            }
        }
        return m;
    }
}
