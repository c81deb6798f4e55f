package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The grouped products against a scalar reference of the same rule written out with exact
 * decimals: groups of 16 terms summed exactly, added to a float32 accumulator toward zero.
 */
class ProductsTest {

    /** The rule for one output: sum_k a[k] b[k]. */
    static float reference(float[] a, float[] b) {
        float acc = 0f;
        for (int g0 = 0; g0 < a.length; g0 += Products.GROUP) {
            BigDecimal exact = new BigDecimal(acc);
            for (int k = g0; k < Math.min(a.length, g0 + Products.GROUP); k++) {
                exact = exact.add(new BigDecimal(a[k]).multiply(new BigDecimal(b[k])));
            }
            acc = towardZero(exact);
        }
        return acc;
    }

    static float towardZero(BigDecimal exact) {
        float nearest = exact.floatValue();
        if (new BigDecimal(nearest).abs().compareTo(exact.abs()) > 0) {
            nearest = Math.nextAfter(nearest, 0.0);
        }
        return nearest;
    }

    /** bfloat16 values of mixed scales, so that sums cancel and land near float32 ties. */
    static float[] bf16Values(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float x = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(12) - 6));
            out[i] = Rounding.bfloat16(x);
        }
        return out;
    }

    @Test
    void batchedProductsEqualTheRuleBitForBit() {
        Random random = new Random(7);
        // contraction lengths: one group, a ragged last group, many groups
        for (int k : new int[] {16, 13, 40, 128}) {
            int p = 3;
            int m = 5;
            int n = 7;
            float[] a = bf16Values(random, p * m * k); // (P, M, K)
            float[] b = bf16Values(random, p * k * n); // (P, K, N)
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                NDArray got = new Products(Rounding.BFLOAT16)
                        .matMul(
                                manager.create(a, new Shape(p, m, k)).reshape(p, 1, m, k), // (P, 1, M, K)
                                manager.create(b, new Shape(p, k, n)).reshape(p, 1, k, n)); // (P, 1, K, N)
                assertThat(got.getShape()).isEqualTo(new Shape(p, 1, m, n));
                float[] values = got.toFloatArray();
                int differing = 0;
                for (int pi = 0; pi < p; pi++) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            float[] row = new float[k];
                            float[] col = new float[k];
                            for (int kk = 0; kk < k; kk++) {
                                row[kk] = a[(pi * m + i) * k + kk];
                                col[kk] = b[(pi * k + kk) * n + j];
                            }
                            if (Float.floatToIntBits(values[(pi * m + i) * n + j])
                                    != Float.floatToIntBits(reference(row, col))) {
                                differing++;
                            }
                        }
                    }
                }
                assertThat(differing).as("K = %d", k).isZero();
            }
        }
    }

    @Test
    void theAccumulatorRoundsTowardZeroWhereSgemmRoundsToNearest() {
        // 1 + 3 * 2^-24 is 1.5 float32 ulps above 1: to nearest 1 + 2^-22, toward zero 1 + 2^-23
        float[] a = {1f, 0x1.8p-23f};
        float[] b = {1f, 1f};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray x = manager.create(a, new Shape(1, 2));
            NDArray y = manager.create(b, new Shape(2, 1));
            assertThat(new Products(Rounding.BFLOAT16).matMul(x, y).getFloat(0, 0))
                    .isEqualTo(1f + 0x1p-23f);
            assertThat(new Products(Rounding.NONE).matMul(x, y).getFloat(0, 0)).isEqualTo(1f + 0x1p-22f);
            // and negative sums toward zero too
            assertThat(new Products(Rounding.BFLOAT16).matMul(x.neg(), y).getFloat(0, 0))
                    .isEqualTo(-1f - 0x1p-23f);
        }
    }

    @Test
    void linearMatchesTheRuleWithBiasAddedAfterTheSum() {
        Random random = new Random(11);
        int t = 4;
        int k = 48;
        int n = 6;
        float[] x = bf16Values(random, t * k); // (T, K)
        float[] w = bf16Values(random, n * k); // (N, K)
        float[] bias = bf16Values(random, n); // (N)
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] got = new Products(Rounding.BFLOAT16)
                    .linear(
                            manager.create(x, new Shape(1, t, k)),
                            manager.create(w, new Shape(n, k)),
                            manager.create(bias, new Shape(n)))
                    .toFloatArray();
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < n; j++) {
                    float[] row = new float[k];
                    float[] col = new float[k];
                    System.arraycopy(x, i * k, row, 0, k);
                    System.arraycopy(w, j * k, col, 0, k);
                    assertThat(got[i * n + j]).isEqualTo(reference(row, col) + bias[j]);
                }
            }
        }
    }
}
