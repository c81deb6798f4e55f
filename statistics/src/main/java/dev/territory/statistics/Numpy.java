package dev.territory.statistics;

/**
 * The few numpy reductions the notebook uses, with numpy's summation order.
 *
 * <p>Why not Hipparchus's {@code Mean}/{@code Variance}/{@code PearsonsCorrelation} here: they add
 * a correction term to the mean ({@code mean + sum(x - mean) / n}), which is more accurate than
 * numpy but decides the degenerate cases differently. For a head whose profile is the constant 0.1,
 * numpy's mean is 0.10000000000000002, its deviations are ~1e-17 and {@code np.corrcoef} returns a
 * finite row (1 on the diagonal, ~1e-16 elsewhere), while Hipparchus gives an exact 0 variance and a
 * NaN row; likewise {@code np.var} of equal group means can be 1.9e-34 (ratio finite) where
 * Hipparchus gives 0 (ratio +inf). The notebook's numbers are the reference, so these mirror numpy:
 * <ul>
 *   <li>a reduction along a contiguous axis uses numpy's pairwise summation
 *       ({@code pairwise_sum} in numpy's loops: plain loop below 8 elements, 8 accumulators up to
 *       128, halving above), starting from 0;</li>
 *   <li>a reduction along a strided axis (axis 0 of a C-ordered array, or a transposed view)
 *       accumulates sequentially;</li>
 *   <li>{@code np.mean} = sum / n, {@code np.var} = two-pass population variance
 *       (sum of squared deviations from that mean, / n).</li>
 * </ul>
 * The tests check these against Hipparchus on non-degenerate data (an independent implementation).
 */
final class Numpy {

    private static final int PW_BLOCKSIZE = 128;

    private Numpy() {}

    /** numpy's {@code pairwise_sum} over {@code a[from .. from + n)}. */
    static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        } else if (n <= PW_BLOCKSIZE) {
            double r0 = a[from], r1 = a[from + 1], r2 = a[from + 2], r3 = a[from + 3];
            double r4 = a[from + 4], r5 = a[from + 5], r6 = a[from + 6], r7 = a[from + 7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                int k = from + i;
                r0 += a[k];
                r1 += a[k + 1];
                r2 += a[k + 2];
                r3 += a[k + 3];
                r4 += a[k + 4];
                r5 += a[k + 5];
                r6 += a[k + 6];
                r7 += a[k + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
        }
    }

    static double pairwiseSum(double[] a) {
        return pairwiseSum(a, 0, a.length);
    }

    /** {@code np.mean} of a contiguous 1-d array; NaN for an empty one (numpy warns and returns NaN). */
    static double mean(double[] a) {
        return mean(a, 0, a.length);
    }

    static double mean(double[] a, int from, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        return pairwiseSum(a, from, n) / n;
    }

    /** Sequential sum, as numpy reduces along a strided axis. */
    static double sequentialSum(double[] a) {
        double res = 0.0;
        for (double x : a) {
            res += x;
        }
        return res;
    }

    /** {@code np.var} of a contiguous 1-d slice (ddof 0, two-pass). */
    static double var(double[] a, int from, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        double mean = pairwiseSum(a, from, n) / n;
        double[] sq = new double[n];
        for (int i = 0; i < n; i++) {
            double d = a[from + i] - mean;
            sq[i] = d * d;
        }
        return pairwiseSum(sq, 0, n) / n;
    }

    static double var(double[] a) {
        return var(a, 0, a.length);
    }

    /** {@code np.var} along a strided axis: both sums sequential. */
    static double varSequential(double[] a) {
        int n = a.length;
        if (n == 0) {
            return Double.NaN;
        }
        double mean = sequentialSum(a) / n;
        double res = 0.0;
        for (double x : a) {
            double d = x - mean;
            res += d * d;
        }
        return res / n;
    }

    /** {@code np.nanmean}: NaNs ignored; NaN when nothing is left. */
    static double nanmean(double[] a) {
        double[] replaced = new double[a.length];
        int count = 0;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i])) {
                replaced[i] = 0.0;
            } else {
                replaced[i] = a[i];
                count++;
            }
        }
        if (count == 0) {
            return Double.NaN;
        }
        return pairwiseSum(replaced) / count;
    }

    /**
     * {@code np.corrcoef(rows)} for rows = variables, columns = observations, as numpy 2.x computes
     * it: {@code X} = rows minus their (sequential, since the notebook passes a transposed view) mean;
     * {@code c = X X^T * (1 / (n - 1))}; {@code c /= sqrt(diag)[:, None]}; {@code c /= sqrt(diag)[None, :]};
     * clipped to [-1, 1] (NaN stays NaN). One observation gives 1/0 = inf as the factor, so all NaN.
     * numpy's dot goes through BLAS, whose summation order is not specified: here it is sequential,
     * so the result matches numpy to rounding, not bit for bit.
     */
    static double[][] corrcoef(double[][] rows) {
        int m = rows.length;
        int n = m == 0 ? 0 : rows[0].length;
        double[][] centered = new double[m][n];
        for (int i = 0; i < m; i++) {
            double mean = sequentialSum(rows[i]) / n;
            for (int j = 0; j < n; j++) {
                centered[i][j] = rows[i][j] - mean;
            }
        }
        double factor = 1.0 / (double) (n - 1); // n == 1 -> inf, as numpy after its warning
        double[][] c = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = i; j < m; j++) {
                double dot = 0.0;
                double[] x = centered[i];
                double[] y = centered[j];
                for (int k = 0; k < n; k++) {
                    dot += x[k] * y[k];
                }
                double value = dot * factor;
                c[i][j] = value;
                c[j][i] = value;
            }
        }
        double[] stddev = new double[m];
        for (int i = 0; i < m; i++) {
            stddev[i] = Math.sqrt(c[i][i]);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double v = c[i][j] / stddev[i];
                v = v / stddev[j];
                c[i][j] = v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v); // np.clip; NaN compares false and stays
            }
        }
        return c;
    }
}
