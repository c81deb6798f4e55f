package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The emulated roundings, on the device, against the bit-level references: random float32 bit
 * patterns over every exponent, every kind of tie, subnormals and the ends of the range.
 */
class RoundingTest {

    /** Random bits: all exponents (NaN and infinities excepted), bfloat16 limit respected. */
    static float[] samples(int n, long seed, float limit) {
        Random random = new Random(seed);
        float[] out = new float[n];
        int i = 0;
        while (i < n) {
            int bits = random.nextInt();
            switch (i % 4) {
                case 1 -> bits = (bits & 0xFFFF0000) | 0x8000; // bfloat16 tie
                case 2 -> bits = (bits & 0xFFFFE000) | 0x1000; // float16 tie
                case 3 ->
                    bits = bits & 0x807FFFFF | (random.nextInt(4) << 23); // float32 subnormals and the smallest normals
                default -> {}
            }
            float x = Float.intBitsToFloat(bits);
            if (!Float.isNaN(x) && Math.abs(x) <= limit) {
                out[i++] = x;
            }
        }
        return out;
    }

    static float[] edges() {
        return new float[] {
            0f,
            -0f,
            1f,
            -1f,
            0x1p-126f,
            -0x1p-126f,
            0x1.fffffep-127f,
            0x1p-133f,
            0x1p-134f,
            0x1.8p-134f,
            0x1.01p-134f,
            Float.MIN_VALUE,
            0x1.008p0f,
            0x1.018p0f,
            0x1.00fffep0f,
            0x1.ff8p0f,
            Rounding.BFLOAT16_LIMIT,
            -Rounding.BFLOAT16_LIMIT,
            65504f,
            65519.996f,
            65520f,
            1e5f,
            0x1p-24f,
            0x1.8p-25f,
            0x1p-25f,
            0x1.002p0f,
            0x1.006p0f,
            3.4e-41f,
            6.1e-5f
        };
    }

    @Test
    void bfloat16RoundsToNearestEvenBitForBit() {
        check(Rounding.BFLOAT16, samples(1 << 22, 1, Rounding.BFLOAT16_LIMIT));
        check(Rounding.BFLOAT16, edges());
    }

    @Test
    void bfloat16RoundNormalIsExactExceptBelowTheSmallestNormal() {
        float[] xs = samples(1 << 20, 3, Rounding.BFLOAT16_LIMIT);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] got = Rounding.BFLOAT16.roundNormal(manager.create(xs)).toFloatArray();
            int wrong = 0;
            for (int i = 0; i < xs.length; i++) {
                float want = Rounding.bfloat16(xs[i]);
                if (Math.abs(xs[i]) >= 0x1p-126f && Float.floatToIntBits(got[i]) != Float.floatToIntBits(want)) {
                    wrong++;
                }
                if (Math.abs(xs[i]) < 0x1p-126f) {
                    assertThat(Math.abs(got[i] - want))
                            .as("below 2^-126: within bfloat16's subnormal step")
                            .isLessThanOrEqualTo(0x1p-133f);
                }
            }
            assertThat(wrong)
                    .as("values >= 2^-126 rounded differently from the reference")
                    .isZero();
        }
    }

    @Test
    void float16RoundsToNearestEvenWithOverflowToInfinity() {
        check(Rounding.FLOAT16, samples(1 << 20, 2, Float.MAX_VALUE));
        check(Rounding.FLOAT16, edges());
    }

    @Test
    void referencesOnKnownValues() {
        assertThat(Rounding.bfloat16(0x1.008p0f)).isEqualTo(1f); // a quarter ulp above 1: down
        assertThat(Rounding.bfloat16(0x1.018p0f)).isEqualTo(0x1.02p0f); // above the tie 0x1.01p0: up
        assertThat(Rounding.bfloat16(0x1.01p0f)).isEqualTo(1f); // tie, 1 is even
        assertThat(Rounding.bfloat16(0x1.03p0f)).isEqualTo(0x1.04p0f); // tie, up to even
        assertThat(Rounding.bfloat16(0x1.8p-134f)).isEqualTo(0x1p-133f); // subnormal tie, up to even
        assertThat(Rounding.bfloat16(0x1p-134f)).isEqualTo(0f); // subnormal tie, down to 0
        assertThat(Rounding.float16(65520f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Rounding.float16(0x1.8p-25f)).isEqualTo(0x1p-24f);
        assertThat(Rounding.float16(0x1.002p0f)).isEqualTo(1f);
        assertThat(Rounding.NONE.round(0.1f)).isEqualTo(0.1f);
    }

    @Test
    void noneReturnsTheSameArray() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray x = manager.create(new float[] {0.1f, 3f});
            assertThat(Rounding.NONE.round(x)).isSameAs(x);
        }
    }

    private static void check(Rounding rounding, float[] xs) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] got = rounding.round(manager.create(xs)).toFloatArray();
            int wrong = 0;
            int first = -1;
            for (int i = 0; i < xs.length; i++) {
                float want = rounding.round(xs[i]);
                boolean same =
                        Float.floatToIntBits(got[i]) == Float.floatToIntBits(want) || (got[i] == 0f && want == 0f);
                if (!same) {
                    wrong++;
                    first = first < 0 ? i : first;
                }
            }
            assertThat(wrong)
                    .as(
                            "%s: %d of %d values differ from the reference, first %a -> %a (want %a)",
                            rounding,
                            wrong,
                            xs.length,
                            first < 0 ? 0f : xs[first],
                            first < 0 ? 0f : got[first],
                            first < 0 ? 0f : rounding.round(xs[first]))
                    .isZero();
        }
    }
}
