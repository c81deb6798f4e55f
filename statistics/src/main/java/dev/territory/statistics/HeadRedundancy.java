package dev.territory.statistics;

/**
 * Within-layer head redundancy (issue 9): for each layer, the Pearson correlation across prompts
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
                double squares = 0.0;
                for (int p = 0; p < prompts; p++) {
                    c[p] -= mean;
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

    static int[] identity(int n) {
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        return index;
    }
}
