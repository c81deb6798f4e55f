package dev.territory.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The eight-byte test agrees with the element-by-element one for every bit pattern, in every lane. */
class FiniteWeightsWordTest {

    @Test
    void everyHalfPrecisionPatternInEveryLaneIsJudgedAsAlone() {
        SplittableRandom random = new SplittableRandom(7);
        for (String dtype : new String[] {"BF16", "F16"}) {
            int exponent = dtype.equals("BF16") ? 0x7f80 : 0x7c00;
            int mismatches = 0;
            int bad = 0;
            for (int v = 0; v < 65536; v++) {
                boolean finite = (v & exponent) != exponent;
                bad += finite ? 0 : 1;
                for (int lane = 0; lane < 4; lane++) {
                    long word = 0;
                    for (int other = 0; other < 4; other++) {
                        long value = other == lane ? v : finiteLane(random, exponent);
                        word |= value << (16 * other);
                    }
                    if (FiniteWeights.finiteWord(word, dtype) != finite) {
                        mismatches++;
                    }
                }
            }
            assertThat(mismatches).as(dtype).isZero();
            assertThat(bad)
                    .as(dtype + " patterns with every exponent bit set")
                    .isEqualTo(dtype.equals("BF16") ? 256 : 2048);
        }
    }

    @Test
    void float32WordsAreJudgedPerHalf() {
        long nan = Float.floatToRawIntBits(Float.NaN) & 0xffffffffL;
        long inf = Float.floatToRawIntBits(Float.NEGATIVE_INFINITY) & 0xffffffffL;
        long one = Float.floatToRawIntBits(1f) & 0xffffffffL;
        long max = Float.floatToRawIntBits(Float.MAX_VALUE) & 0xffffffffL;
        assertThat(FiniteWeights.finiteWord(one | max << 32, "F32")).isTrue();
        assertThat(FiniteWeights.finiteWord(nan | one << 32, "F32")).isFalse();
        assertThat(FiniteWeights.finiteWord(one | inf << 32, "F32")).isFalse();
    }

    private static long finiteLane(SplittableRandom random, int exponent) {
        while (true) {
            int v = random.nextInt(65536);
            if ((v & exponent) != exponent) {
                return v;
            }
        }
    }
}
