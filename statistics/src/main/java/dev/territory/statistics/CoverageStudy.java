package dev.territory.statistics;

import java.util.Locale;
import org.hipparchus.random.RandomGenerator;
import org.hipparchus.random.Well19937c;

/**
 * How often the 95% bootstrap intervals contain a known true delta, on synthetic per-prompt entropies
 * of 10 prompts (as the notebook), for the percentile and BCa methods; docs/statistics.md states the
 * figures and {@code CoverageStudyTest} checks them within Monte Carlo error.
 *
 * <p>Two statistics, each with its truth known by construction:
 * <ul>
 *   <li><b>mean entropy delta</b>: {@code instruct = base + delta + (Exp(1) - 1) s_p + noise}, a skewed
 *       per-prompt effect of mean 0 on top of a planted shift {@code delta} (the true value);</li>
 *   <li><b>specialization index delta</b>: entropies {@code mu[l][h] + a_p + noise} with head profiles
 *       {@code mu} of base and instruct fixed; the true delta is the notebook's specialization index of
 *       {@code mu_instruct} minus that of {@code mu_base} (the value with infinitely many prompts).</li>
 * </ul>
 * Each data set is bootstrapped paired over prompts ({@code resamples} times); BCa's acceleration comes
 * from the jackknife over prompts, as in {@link Uncertainty}.
 */
public final class CoverageStudy {

    public static final int PROMPTS = 10;
    public static final int LAYERS = 6;
    public static final int HEADS = 8;

    /** Shares of the data sets whose interval contains the truth, and the mean widths. */
    public record Coverage(
            String statistic,
            int dataSets,
            int resamples,
            double percentile,
            double bca,
            double percentileWidth,
            double bcaWidth) {

        /** Monte Carlo standard error of a coverage share p over the data sets. */
        public double standardError(double p) {
            return Math.sqrt(p * (1 - p) / dataSets);
        }
    }

    private CoverageStudy() {}

    /** The mean entropy delta study. */
    public static Coverage meanDelta(int dataSets, int resamples, long seed) {
        RandomGenerator rng = new Well19937c(seed);
        double truth = -0.02;
        Tally tally = new Tally();
        double[] d = new double[PROMPTS];
        double[] boot = new double[resamples];
        double[] jack = new double[PROMPTS];
        for (int k = 0; k < dataSets; k++) {
            // per prompt, the mean over heads of instruct - base: the shift, a skewed prompt effect, head noise
            for (int p = 0; p < PROMPTS; p++) {
                double skewed = 0.03 * (-Math.log(1 - rng.nextDouble()) - 1);
                double noise = 0;
                for (int i = 0; i < LAYERS * HEADS; i++) {
                    noise += 0.02 * rng.nextGaussian();
                }
                d[p] = truth + skewed + noise / (LAYERS * HEADS);
            }
            double point = mean(d, null);
            int[] index = new int[PROMPTS];
            for (int r = 0; r < resamples; r++) {
                for (int i = 0; i < PROMPTS; i++) {
                    index[i] = rng.nextInt(PROMPTS);
                }
                boot[r] = mean(d, index);
            }
            for (int left = 0; left < PROMPTS; left++) {
                jack[left] = mean(d, without(left));
            }
            tally.add(boot, point, jack, truth);
        }
        return tally.coverage("mean entropy delta", dataSets, resamples);
    }

    /** The specialization index delta study. */
    public static Coverage specializationDelta(int dataSets, int resamples, long seed) {
        RandomGenerator rng = new Well19937c(seed);
        // fixed head profiles: a layer trend shared by all heads, and per-head deviations that fine-tuning shrinks
        double[][] muBase = new double[LAYERS][HEADS];
        double[][] muInst = new double[LAYERS][HEADS];
        RandomGenerator fixed = new Well19937c(7);
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                double dev = 0.05 * fixed.nextGaussian();
                muBase[l][h] = 0.6 + 0.04 * l + dev;
                muInst[l][h] = 0.6 + 0.04 * l + 0.8 * dev + 0.01 * fixed.nextGaussian();
            }
        }
        double truth = NotebookMetrics.specialization(muInst).specializationIndex()
                - NotebookMetrics.specialization(muBase).specializationIndex();
        Tally tally = new Tally();
        double[][][] base = new double[PROMPTS][LAYERS][HEADS];
        double[][][] inst = new double[PROMPTS][LAYERS][HEADS];
        double[] boot = new double[resamples];
        double[] jack = new double[PROMPTS];
        int[] all = HeadRedundancy.identity(PROMPTS);
        int[] index = new int[PROMPTS];
        for (int k = 0; k < dataSets; k++) {
            for (int p = 0; p < PROMPTS; p++) {
                double a = 0.05 * rng.nextGaussian(); // a prompt moves every head of both models
                for (int l = 0; l < LAYERS; l++) {
                    for (int h = 0; h < HEADS; h++) {
                        base[p][l][h] = muBase[l][h] + a + 0.03 * rng.nextGaussian();
                        inst[p][l][h] = muInst[l][h] + a + 0.03 * rng.nextGaussian();
                    }
                }
            }
            double point = siDelta(base, inst, all);
            for (int r = 0; r < resamples; r++) {
                for (int i = 0; i < PROMPTS; i++) {
                    index[i] = rng.nextInt(PROMPTS);
                }
                boot[r] = siDelta(base, inst, index);
            }
            for (int left = 0; left < PROMPTS; left++) {
                jack[left] = siDelta(base, inst, without(left));
            }
            tally.add(boot, point, jack, truth);
        }
        return tally.coverage("specialization index delta", dataSets, resamples);
    }

    /** Counts, over the data sets, how often each 95% interval contains the truth, and sums their widths. */
    private static final class Tally {
        private int inPercentile;
        private int inBca;
        private double percentileWidth;
        private double bcaWidth;

        void add(double[] boot, double point, double[] jack, double truth) {
            Uncertainty.Interval pct = Bca.percentile(boot, 0.95);
            Uncertainty.Interval bca = Bca.interval(boot, point, jack, 0.95);
            inPercentile += pct.contains(truth) ? 1 : 0;
            inBca += bca.contains(truth) ? 1 : 0;
            percentileWidth += pct.high() - pct.low();
            bcaWidth += bca.high() - bca.low();
        }

        Coverage coverage(String statistic, int dataSets, int resamples) {
            return new Coverage(
                    statistic,
                    dataSets,
                    resamples,
                    (double) inPercentile / dataSets,
                    (double) inBca / dataSets,
                    percentileWidth / dataSets,
                    bcaWidth / dataSets);
        }
    }

    private static double siDelta(double[][][] base, double[][][] inst, int[] index) {
        return si(inst, index) - si(base, index);
    }

    private static double si(double[][][] perPrompt, int[] index) {
        double[][] mean = new double[LAYERS][HEADS];
        for (int i : index) {
            for (int l = 0; l < LAYERS; l++) {
                for (int h = 0; h < HEADS; h++) {
                    mean[l][h] += perPrompt[i][l][h];
                }
            }
        }
        for (double[] row : mean) {
            for (int h = 0; h < HEADS; h++) {
                row[h] /= index.length;
            }
        }
        return NotebookMetrics.specialization(mean).specializationIndex();
    }

    private static int[] without(int left) {
        int[] out = new int[PROMPTS - 1];
        for (int i = 0, k = 0; i < PROMPTS; i++) {
            if (i != left) {
                out[k++] = i;
            }
        }
        return out;
    }

    private static double mean(double[] x, int[] index) {
        double s = 0;
        int n = index == null ? x.length : index.length;
        for (int i = 0; i < n; i++) {
            s += x[index == null ? i : index[i]];
        }
        return s / n;
    }

    /** Prints the table of docs/statistics.md: {@code CoverageStudy [dataSets] [resamples] [seed]}. */
    public static void main(String[] args) {
        int dataSets = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int resamples = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        for (Coverage c :
                new Coverage[] {meanDelta(dataSets, resamples, seed), specializationDelta(dataSets, resamples, seed)}) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %.3f ± %.3f | %.3f ± %.3f | %.4f | %.4f |%n",
                    c.statistic(),
                    c.dataSets(),
                    c.resamples(),
                    c.percentile(),
                    c.standardError(c.percentile()),
                    c.bca(),
                    c.standardError(c.bca()),
                    c.percentileWidth(),
                    c.bcaWidth());
        }
    }
}
