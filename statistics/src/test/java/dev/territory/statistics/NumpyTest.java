package dev.territory.statistics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.util.Random;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.hipparchus.stat.descriptive.moment.Variance;
import org.junit.jupiter.api.Test;

/** The numpy mirrors against Hipparchus (an independent implementation) on non-degenerate data. */
class NumpyTest {

    @Test
    void pairwiseSumIsTheSumForAllSizes() {
        Random rnd = new Random(1);
        for (int n = 0; n < 400; n += 7) {
            double[] a = new double[n];
            BigDecimal exact = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextDouble();
                exact = exact.add(new BigDecimal(a[i]));
            }
            assertThat(Numpy.pairwiseSum(a)).isCloseTo(exact.doubleValue(), within(1e-12));
        }
    }

    @Test
    void pairwiseSumUsesNumpysOrder() {
        // numpy 2.4: np.add.reduce([1e16, 1, 1, 1, 1, 1, 1, 1, 3]) = 1.0000000000000008e+16 (8 accumulators)
        // while a left-to-right sum gives 1.0000000000000004e+16
        double[] a = {1e16, 1, 1, 1, 1, 1, 1, 1, 3};
        assertThat(Numpy.pairwiseSum(a)).isEqualTo(1.0000000000000008e16);
        assertThat(Numpy.sequentialSum(a)).isEqualTo(1.0000000000000004e16);
    }

    @Test
    void varianceMatchesHipparchusPopulationVariance() {
        Random rnd = new Random(2);
        Variance population = new Variance(false);
        for (int n = 1; n < 200; n += 3) {
            double[] a = rnd.doubles(n, 0.3, 0.9).toArray();
            assertThat(Numpy.var(a)).isCloseTo(population.evaluate(a), within(1e-15));
            assertThat(Numpy.varSequential(a)).isCloseTo(population.evaluate(a), within(1e-15));
        }
    }

    @Test
    void corrcoefMatchesHipparchusPearson() {
        Random rnd = new Random(3);
        int vars = 9, obs = 13;
        double[][] rows = new double[vars][obs];
        double[][] columns = new double[obs][vars];
        for (int i = 0; i < vars; i++) {
            for (int j = 0; j < obs; j++) {
                rows[i][j] = rnd.nextDouble();
                columns[j][i] = rows[i][j];
            }
        }
        RealMatrix expected = new PearsonsCorrelation(columns).getCorrelationMatrix();
        double[][] got = Numpy.corrcoef(rows);
        for (int i = 0; i < vars; i++) {
            for (int j = 0; j < vars; j++) {
                assertThat(got[i][j])
                        .isCloseTo(
                                expected.getEntry(i, j), within(1e-12)); // Hipparchus goes through a regression: looser
            }
        }
    }

    @Test
    void nanmeanIgnoresNan() {
        assertThat(Numpy.nanmean(new double[] {1, Double.NaN, 3})).isEqualTo(2.0);
        assertThat(Numpy.nanmean(new double[] {Double.NaN})).isNaN();
        assertThat(Numpy.nanmean(new double[0])).isNaN();
    }
}
