package dev.territory.statistics;

/**
 * Within-layer head redundancy: for each layer, the Pearson correlation across prompts
 * between that layer's heads' entropies, averaged over head pairs (NaN pairs, from a head constant
 * across prompts, left out); {@code overall} averages the layers (NaN layers left out).
 *
 * <p>Heads are compared only within a layer, where they share an input; the notebook's
 * {@code mean_head_correlation} instead pairs head i of every layer with head i of every other,
 * which has no architectural meaning.
 *
 * <p>No numpy reference exists for this metric; it follows Hipparchus's {@code PearsonsCorrelation}
 * (the tests compare the two within 1e-12, constant heads included), but as one direct loop: the
 * bootstrap and the permutation test evaluate it thousands of times, and building Hipparchus's
 * covariance matrices each time made a 32x32 model's {@code territory metrics} run several times
 * slower. Per layer: each head's column over the prompts is centred on Hipparchus's mean (sum / n plus
 * the mean residual, so a constant head centres to exact zeros and gives NaN, as Hipparchus does),
 * then r = sum(dx dy) / sqrt(sum dx^2 sum dy^2).
 */
public record HeadRedundancy(double[] perLayer, double overall) {

    /** {@code perPrompt[prompt][layer][head]}; fewer than 2 prompts or heads gives NaN. */
    public static HeadRedundancy of(double[][][] perPrompt) {
        return of(perPrompt, identity(perPrompt.length));
    }

    /** As {@link #of(double[][][])} for the prompts {@code perPrompt[index[i]]} (a bootstrap resample). */
    static HeadRedundancy of(double[][][] perPrompt, int[] index) {
        return compute(perPrompt, index, null);
    }

    /**
     * The same with the prompt length partialled out: each head's entropies (over the prompts) are
     * regressed on {@code lengths[prompt]} (the real-token count) with an intercept, and the residuals
     * correlated, which is the partial correlation of the two heads given the length. Lengths that do
     * not vary explain nothing, and the plain correlation is returned.
     */
    public static HeadRedundancy partialled(double[][][] perPrompt, int[] index, double[] lengths) {
        return compute(perPrompt, index, lengths);
    }

    private static HeadRedundancy compute(double[][][] perPrompt, int[] index, double[] lengths) {
        int prompts = index.length;
        int layers = perPrompt[0].length;
        int heads = perPrompt[0][0].length;
        double[] perLayer = new double[layers];
        if (prompts < 2 || heads < 2) {
            java.util.Arrays.fill(perLayer, Double.NaN);
            return new HeadRedundancy(perLayer, Numpy.nanmean(perLayer));
        }
        double[][] centred = new double[heads][prompts]; // reused across layers
        double[] norm = new double[heads];
        double[] upper = new double[heads * (heads - 1) / 2];
        double[] length = lengths == null ? null : centredLengths(lengths, index);
        double lengthSquares = 0.0;
        if (length != null) {
            for (double x : length) {
                lengthSquares += x * x;
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                double[] c = centred[h];
                double sum = 0.0;
                for (int p = 0; p < prompts; p++) {
                    c[p] = perPrompt[index[p]][l][h];
                    sum += c[p];
                }
                double mean = sum / prompts;
                double residual = 0.0;
                for (int p = 0; p < prompts; p++) {
                    residual += c[p] - mean;
                }
                mean += residual / prompts;
                for (int p = 0; p < prompts; p++) {
                    c[p] -= mean;
                }
                if (lengthSquares > 0) {
                    // residual of the least-squares fit on the centred length: c - beta * length; a head
                    // that the length explains entirely leaves rounding noise, counted as constant (NaN)
                    double before = 0.0;
                    double cross = 0.0;
                    for (int p = 0; p < prompts; p++) {
                        cross += c[p] * length[p];
                        before += c[p] * c[p];
                    }
                    double beta = cross / lengthSquares;
                    double after = 0.0;
                    for (int p = 0; p < prompts; p++) {
                        c[p] -= beta * length[p];
                        after += c[p] * c[p];
                    }
                    if (after <= 1e-24 * before) {
                        java.util.Arrays.fill(c, 0.0);
                    }
                }
                double squares = 0.0;
                for (int p = 0; p < prompts; p++) {
                    squares += c[p] * c[p];
                }
                norm[h] = Math.sqrt(squares);
            }
            int k = 0;
            for (int i = 0; i < heads; i++) {
                double[] a = centred[i];
                for (int j = i + 1; j < heads; j++) {
                    double[] b = centred[j];
                    double dot = 0.0;
                    for (int p = 0; p < prompts; p++) {
                        dot += a[p] * b[p];
                    }
                    upper[k++] = dot / (norm[i] * norm[j]); // 0 / 0 = NaN for a constant head
                }
            }
            perLayer[l] = Numpy.nanmean(upper);
        }
        return new HeadRedundancy(perLayer, Numpy.nanmean(perLayer));
    }

    private static double[] centredLengths(double[] lengths, int[] index) {
        double[] out = new double[index.length];
        double sum = 0.0;
        for (int p = 0; p < index.length; p++) {
            out[p] = lengths[index[p]];
            sum += out[p];
        }
        double mean = sum / index.length;
        for (int p = 0; p < index.length; p++) {
            out[p] -= mean;
        }
        return out;
    }

    static int[] identity(int n) {
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        return index;
    }
}
