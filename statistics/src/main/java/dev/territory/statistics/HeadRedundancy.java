package dev.territory.statistics;

import org.hipparchus.stat.correlation.PearsonsCorrelation;

/**
 * Within-layer head redundancy (issue 9): for each layer, the Pearson correlation across prompts
 * between that layer's heads' entropies, averaged over head pairs (NaN pairs, from a head constant
 * across prompts, left out); {@code overall} averages the layers (NaN layers left out).
 *
 * <p>Heads are compared only within a layer, where they share an input; the notebook's
 * {@code mean_head_correlation} instead pairs head i of every layer with head i of every other,
 * which has no architectural meaning. No numpy reference exists for this metric, so it uses
 * Hipparchus's {@link PearsonsCorrelation} directly.
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
        for (int l = 0; l < layers; l++) {
            if (prompts < 2 || heads < 2) {
                perLayer[l] = Double.NaN;
                continue;
            }
            double[][] observations = new double[prompts][];
            for (int p = 0; p < prompts; p++) {
                observations[p] = perPrompt[index[p]][l];
            }
            double[][] corr = new PearsonsCorrelation(observations).getCorrelationMatrix().getData();
            double[] upper = new double[heads * (heads - 1) / 2];
            int k = 0;
            for (int i = 0; i < heads; i++) {
                for (int j = i + 1; j < heads; j++) {
                    upper[k++] = corr[i][j];
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
