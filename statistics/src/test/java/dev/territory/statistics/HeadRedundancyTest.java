package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.junit.jupiter.api.Test;

/** The direct loop of {@link HeadRedundancy} against Hipparchus's PearsonsCorrelation (an independent implementation). */
class HeadRedundancyTest {

    /** The straightforward definition: per layer Hipparchus's correlation matrix, nanmean of its upper triangle. */
    static double[] reference(double[][][] perPrompt, int[] index) {
        int layers = perPrompt[0].length;
        int heads = perPrompt[0][0].length;
        double[] perLayer = new double[layers];
        for (int l = 0; l < layers; l++) {
            double[][] observations = new double[index.length][];
            for (int p = 0; p < index.length; p++) {
                observations[p] = perPrompt[index[p]][l];
            }
            double[][] corr =
                    new PearsonsCorrelation(observations).getCorrelationMatrix().getData();
            double[] upper = new double[heads * (heads - 1) / 2];
            int k = 0;
            for (int i = 0; i < heads; i++) {
                for (int j = i + 1; j < heads; j++) {
                    upper[k++] = corr[i][j];
                }
            }
            perLayer[l] = Numpy.nanmean(upper);
        }
        return perLayer;
    }

    static void assertSame(double[] got, double[] want) {
        assertThat(got).hasSameSizeAs(want);
        for (int l = 0; l < want.length; l++) {
            if (Double.isNaN(want[l])) {
                assertThat(got[l]).as("layer %d", l).isNaN();
            } else {
                assertThat(Math.abs(got[l] - want[l]))
                        .as("layer %d: %s vs %s", l, got[l], want[l])
                        .isLessThan(1e-12);
            }
        }
    }

    @Test
    void matchesHipparchusOnTheFixtureAndOnResamples() {
        Random rng = new Random(3);
        for (double[][][] cube : new double[][][][] {UncertaintyTest.BASE, UncertaintyTest.INSTRUCT}) {
            int[] all = HeadRedundancy.identity(cube.length);
            assertSame(HeadRedundancy.of(cube, all).perLayer(), reference(cube, all));
            for (int r = 0; r < 50; r++) {
                int[] index = new int[cube.length];
                for (int i = 0; i < index.length; i++) {
                    index[i] = rng.nextInt(cube.length);
                }
                assertSame(HeadRedundancy.of(cube, index).perLayer(), reference(cube, index));
            }
        }
    }

    @Test
    void constantHeadsAreLeftOutAsHipparchusDoes() {
        // 2 layers, 4 heads, 10 prompts; layer 0 head 2 constant 0.1 (sum / n is not exactly 0.1),
        // layer 1 every head constant (NaN layer, left out of overall)
        Random rng = new Random(5);
        double[][][] cube = new double[10][2][4];
        for (int p = 0; p < 10; p++) {
            for (int h = 0; h < 4; h++) {
                cube[p][0][h] = h == 2 ? 0.1 : rng.nextDouble();
                cube[p][1][h] = 0.3 + 0.1 * h;
            }
        }
        int[] all = HeadRedundancy.identity(10);
        HeadRedundancy r = HeadRedundancy.of(cube);
        assertSame(r.perLayer(), reference(cube, all));
        assertThat(r.perLayer()[1]).isNaN();
        assertThat(r.overall()).isEqualTo(r.perLayer()[0]);
        // a resample repeating one prompt everywhere: every head constant
        int[] same = new int[10];
        assertThat(HeadRedundancy.of(cube, same).overall()).isNaN();
    }
}
