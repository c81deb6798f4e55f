package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hipparchus.random.Well19937c;
import org.junit.jupiter.api.Test;

/**
 * BCa and percentile intervals against {@code scipy.stats.bootstrap} on the same data: the llama3-gqa
 * float32 fixture's first-seed per-prompt entropies, 20,000 resamples on both sides (references made by
 * tools/make_bca_references.py with scipy 1.18.1, kept in bca-scipy.json). The random streams differ
 * (Well19937c here, PCG64 there), so the endpoints agree within Monte Carlo error: 0.005 absolute, and for
 * the small-valued head variance within 5% of the interval's width.
 */
class BcaScipyTest {

    static final JsonNode SCIPY =
            References.read(References.repoRoot().resolve("statistics/src/test/resources/bca-scipy.json"));
    static final int RESAMPLES = 20_000;

    @Test
    void notebookMetricsAgreeWithScipy() {
        assertThat(SCIPY.get("resamples").asInt()).isEqualTo(RESAMPLES);
        Uncertainty.Result r = Uncertainty.analyze(
                UncertaintyTest.BASE, UncertaintyTest.INSTRUCT, 2, new Uncertainty.Options(RESAMPLES, 1, 7, 0.95));
        List<String> report = new ArrayList<>();
        for (String metric : List.of("specialization_index", "mean_head_variance")) {
            for (String role : List.of("base", "instruct", "delta")) {
                Uncertainty.Intervals iv = role.equals("base")
                        ? r.baseBootstrap()
                        : role.equals("instruct") ? r.instructBootstrap() : r.deltaBootstrap();
                check(role + "." + metric, "bca", iv.bca().get(metric), report);
                check(role + "." + metric, "percentile", iv.percentile().get(metric), report);
            }
        }
        report.forEach(System.out::println);
    }

    @Test
    void pairedMeanEntropyDeltaAgreesWithScipy() {
        // the plain statistic: mean over prompts, layers and heads; paired resampling of prompts
        double[] base = promptMeans(UncertaintyTest.BASE);
        double[] instruct = promptMeans(UncertaintyTest.INSTRUCT);
        int n = base.length;
        double point = mean(instruct) - mean(base);
        Well19937c rng = new Well19937c(11);
        double[] boot = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++) {
            double sb = 0;
            double si = 0;
            for (int i = 0; i < n; i++) {
                int k = rng.nextInt(n);
                sb += base[k];
                si += instruct[k];
            }
            boot[r] = (si - sb) / n;
        }
        double[] jack = new double[n];
        for (int left = 0; left < n; left++) {
            double sb = 0;
            double si = 0;
            for (int i = 0; i < n; i++) {
                if (i != left) {
                    sb += base[i];
                    si += instruct[i];
                }
            }
            jack[left] = (si - sb) / (n - 1);
        }
        List<String> report = new ArrayList<>();
        check("delta.mean_entropy", "bca", Bca.interval(boot, point, jack, 0.95), report);
        check("delta.mean_entropy", "percentile", Bca.percentile(boot, 0.95), report);
        assertThat(point)
                .isCloseTo(
                        SCIPY.at("/point/delta.mean_entropy").asDouble(),
                        org.assertj.core.api.Assertions.within(1e-12));
        report.forEach(System.out::println);
    }

    private static void check(String key, String table, Uncertainty.Interval java, List<String> report) {
        JsonNode ref = SCIPY.get(table).get(key);
        double low = ref.get(0).asDouble();
        double high = ref.get(1).asDouble();
        double tol = key.endsWith("mean_head_variance") ? 0.05 * (high - low) : 0.005;
        double dl = Math.abs(java.low() - low);
        double dh = Math.abs(java.high() - high);
        report.add(String.format(
                Locale.ROOT,
                "%-32s %-10s java [%.6g, %.6g] scipy [%.6g, %.6g] max diff %.3g (tol %.3g)",
                key,
                table,
                java.low(),
                java.high(),
                low,
                high,
                Math.max(dl, dh),
                tol));
        assertThat(dl)
                .as(key + " " + table + " low: java " + java.low() + " scipy " + low)
                .isLessThanOrEqualTo(tol);
        assertThat(dh)
                .as(key + " " + table + " high: java " + java.high() + " scipy " + high)
                .isLessThanOrEqualTo(tol);
    }

    private static double[] promptMeans(double[][][] cube) {
        double[] out = new double[cube.length];
        for (int p = 0; p < cube.length; p++) {
            double s = 0;
            int c = 0;
            for (double[] layer : cube[p]) {
                for (double v : layer) {
                    s += v;
                    c++;
                }
            }
            out[p] = s / c;
        }
        return out;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }
}
