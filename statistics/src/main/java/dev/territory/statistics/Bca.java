package dev.territory.statistics;

import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.stat.descriptive.rank.Percentile;
import org.hipparchus.stat.descriptive.rank.Percentile.EstimationType;

/**
 * Bootstrap confidence intervals from a bootstrap distribution: the plain percentile interval and
 * Efron's bias-corrected and accelerated (BCa) interval (Efron and Tibshirani 1993, ch. 14), computed
 * as {@code scipy.stats.bootstrap(method="BCa")} computes them, so the two agree on the same data:
 *
 * <ul>
 *   <li>bias correction {@code z0 = Phi^-1(share of resamples below the estimate)}, where ties count
 *       half ({@code ((theta* < theta) + (theta* <= theta)) / 2B}, scipy's percentile of score);</li>
 *   <li>acceleration {@code a = sum(d^3) / (6 sum(d^2)^1.5)} with {@code d = mean(theta_(i)) - theta_(i)}
 *       over the jackknife estimates {@code theta_(i)} (each leaving one prompt out);</li>
 *   <li>endpoints: percentiles (numpy's linear, R-7) of the bootstrap distribution at
 *       {@code Phi(z0 + (z0 + z) / (1 - a (z0 + z)))} for {@code z = Phi^-1(alpha)} and
 *       {@code Phi^-1(1 - alpha)}, {@code alpha = (1 - level) / 2}.</li>
 * </ul>
 * A jackknife without spread (e.g. identical models) has no skewness to correct: {@code a = 0}
 * where scipy would divide 0 by 0.
 */
public final class Bca {

    private static final NormalDistribution NORMAL = new NormalDistribution(0, 1);

    private Bca() {}

    /** The percentile interval at {@code level}: numpy's linear percentiles at alpha and 1 - alpha. */
    public static Uncertainty.Interval percentile(double[] boot, double level) {
        double alpha = (1 - level) / 2;
        Percentile p = percentiles(boot);
        return new Uncertainty.Interval(p.evaluate(100 * alpha), p.evaluate(100 * (1 - alpha)));
    }

    /** The BCa interval at {@code level}; {@code jackknife[i]} is the estimate without prompt i. */
    public static Uncertainty.Interval interval(double[] boot, double estimate, double[] jackknife, double level) {
        double z0 = biasCorrection(boot, estimate);
        double a = acceleration(jackknife);
        double alpha = (1 - level) / 2;
        double low = adjustedLevel(z0, a, NORMAL.inverseCumulativeProbability(alpha));
        double high = adjustedLevel(z0, a, NORMAL.inverseCumulativeProbability(1 - alpha));
        if (Double.isNaN(low) || Double.isNaN(high)) {
            return new Uncertainty.Interval(Double.NaN, Double.NaN);
        }
        Percentile p = percentiles(boot);
        return new Uncertainty.Interval(p.evaluate(bounded(100 * low)), p.evaluate(bounded(100 * high)));
    }

    /** {@code z0 = Phi^-1(((theta* < theta) + (theta* <= theta)) / 2B)}; infinite when every resample lies on one side. */
    public static double biasCorrection(double[] boot, double estimate) {
        long below = 0;
        long atOrBelow = 0;
        for (double t : boot) {
            if (t < estimate) {
                below++;
            }
            if (t <= estimate) {
                atOrBelow++;
            }
        }
        double share = (below + atOrBelow) / (2.0 * boot.length);
        if (share <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (share >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        return NORMAL.inverseCumulativeProbability(share);
    }

    /** Jackknife acceleration {@code sum(d^3) / (6 sum(d^2)^1.5)}, d = mean - theta_(i); 0 without spread. */
    public static double acceleration(double[] jackknife) {
        double mean = 0;
        for (double t : jackknife) {
            mean += t;
        }
        mean /= jackknife.length;
        double cubes = 0;
        double squares = 0;
        for (double t : jackknife) {
            double d = mean - t;
            squares += d * d;
            cubes += d * d * d;
        }
        return squares == 0 ? 0.0 : cubes / (6 * Math.pow(squares, 1.5));
    }

    private static double adjustedLevel(double z0, double a, double z) {
        double shifted = z0 + z;
        return NORMAL.cumulativeProbability(z0 + shifted / (1 - a * shifted));
    }

    private static double bounded(double pct) {
        // Hipparchus's Percentile refuses 0; numpy's 0th percentile is the minimum, which the
        // linear estimate at the smallest positive level also gives
        return Math.min(100, Math.max(Double.MIN_VALUE, pct));
    }

    private static Percentile percentiles(double[] boot) {
        Percentile p = new Percentile().withEstimationType(EstimationType.R_7);
        p.setData(boot);
        return p;
    }
}
