package dev.territory.engine.entropy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The normalized entropy on hand-computed heads (4 keys each), under both normalizers. */
class HeadEntropyTest {

    private static final double H_QUARTER =
            -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) / Math.log(2); // 0.8113 bits

    @Test
    void notebookNormalizerCountsTheNonZeroWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mean = m.create(
                    new float[] {
                        0.25f, 0.25f, 0.25f, 0.25f, // uniform over 4: 2 bits / log2 4
                        0.5f, 0.5f, 0f, 0f, // uniform over the 2 non-zero: 1 bit / log2 2
                        0.1f, 0.3f, 0f, 0f, // renormalized to (1/4, 3/4) over 2 non-zero
                        0f, 0.7f, 0f, 0f
                    }, // one non-zero weight: 0 by definition
                    new Shape(4, 4));
            NDArray count = HeadEntropy.nonZeroCount(mean);
            assertThat(count.toDoubleArray()).containsExactly(4, 2, 2, 1);
            assertThat(HeadEntropy.normalized(mean, count).toDoubleArray())
                    .containsExactly(new double[] {1, 1, H_QUARTER, 0}, within(1e-7));
        }
    }

    @Test
    void attendableNormalizerIsGiven() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mean = m.create(new float[] {0.1f, 0.3f, 0f, 0f, 0f, 0.7f, 0f, 0f}, new Shape(2, 4));
            NDArray keys = m.create(new double[] {4, 1}, new Shape(2)); // 4 attendable keys; 1: no spread possible
            assertThat(HeadEntropy.normalized(mean, keys).toDoubleArray())
                    .containsExactly(new double[] {H_QUARTER / 2, 0}, within(1e-7));
        }
    }
}
