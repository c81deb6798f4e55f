package dev.territory.engine.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.territory.engine.ComputeDtype;

/**
 * Rounding of float32 values to the compute dtype, round-to-nearest-even as torch's
 * {@code .to(dtype)}: the one home of the bfloat16 and float16 emulation. The decoder computes in
 * float32 arrays and calls {@link #round} wherever Hugging Face transformers holds a tensor in the
 * compute dtype (the list is in {@link Decoder}'s Javadoc). A float32 product of two rounded
 * values is exact; how matrix products of rounded inputs are summed is {@link Products}'.
 *
 * <p>bfloat16 uses only elementwise float32 operations, so it runs on the CPU and CUDA alike
 * without a host round trip: Veltkamp's split {@code g = 65537 x; hi = g - (g - x)} keeps the
 * top 8 significant bits of x, rounded to nearest with ties to even; below 2^-126 (float32
 * subnormals, where bfloat16 has a fixed grid of 2^-133) {@code (x + 1.5 * 2^-110) - 1.5 * 2^-110}
 * rounds to that grid. Checked bit for bit against the bit-level reference ({@link #bfloat16})
 * over every float32 of magnitude up to {@link #BFLOAT16_LIMIT}; above it {@code 65537 x}
 * overflows (such activations would be a broken model in bfloat16 too). float16 goes through a
 * float16 array and back (IEEE rounding, overflow to infinity, as torch).
 */
public enum Rounding {
    /** float32: nothing to round. */
    NONE,
    BFLOAT16,
    FLOAT16;

    /** Largest magnitude {@link #round} handles in bfloat16 ({@code 65537 x} stays finite below it). */
    public static final float BFLOAT16_LIMIT = 5.0e33f;

    private static final float SPLIT = 65537f; // 2^16 + 1: keeps 24 - 16 = 8 significant bits
    private static final float SMALLEST_NORMAL = 0x1p-126f;
    private static final float SUBNORMAL_SHIFT = 0x1.8p-110f; // its ulp is 2^-133, bfloat16's subnormal step

    public static Rounding of(ComputeDtype dtype) {
        return switch (dtype) {
            case FLOAT32 -> NONE;
            case BFLOAT16 -> BFLOAT16;
            case FLOAT16 -> FLOAT16;
        };
    }

    /** Whether {@link #round} changes anything (false for float32). */
    public boolean active() {
        return this != NONE;
    }

    /**
     * {@code x} rounded to this dtype, as a float32 array in x's manager. Consumes x: it is
     * closed unless it is the result (always for {@link #NONE}); a caller that needs x again
     * passes a copy or does not round.
     */
    public NDArray round(NDArray x) {
        return switch (this) {
            case NONE -> x;
            case FLOAT16 -> {
                NDArray half = x.toType(DataType.FLOAT16, false);
                NDArray out = half.toType(DataType.FLOAT32, false);
                half.close();
                x.close();
                yield out;
            }
            case BFLOAT16 -> {
                NDArray hi = x.mul(SPLIT); // g
                NDArray gap = hi.sub(x); // g - x
                hi.subi(gap); // g - (g - x): x to 8 significant bits
                gap.close();
                NDArray magnitude = x.abs();
                NDArray subnormal = magnitude.lt(SMALLEST_NORMAL);
                magnitude.close();
                NDArray grid = x.add(SUBNORMAL_SHIFT);
                grid.subi(SUBNORMAL_SHIFT);
                NDArray out = NDArrays.where(subnormal, grid, hi);
                subnormal.close();
                grid.close();
                hi.close();
                x.close();
                yield out;
            }
        };
    }

    /**
     * {@code x} rounded as {@link #round} rounds it wherever {@code |x| >= 2^-126} or {@code x == 0};
     * in bfloat16 the few values in between keep float32's finer subnormal grid. Cheaper (one
     * temporary, four in-place operations) and used for activations, where such a value cannot
     * change any later result (it vanishes in every sum with a normal number and its exp is 1);
     * the probabilities, whose tiny values decide the notebook's non-zero count, use {@link #round}.
     * Consumes x like {@link #round}; the result is x itself in bfloat16.
     */
    public NDArray roundNormal(NDArray x) {
        if (this != BFLOAT16) {
            return round(x);
        }
        NDArray gap = x.mul(SPLIT).subi(x); // g - x, g = 65537 x
        x.muli(SPLIT).subi(gap); // g - (g - x), in x
        gap.close();
        return x;
    }

    /** One value rounded as {@link #round} rounds it: the bit-level reference (torch's {@code round_to_nearest_even}). */
    public float round(float x) {
        return switch (this) {
            case NONE -> x;
            case BFLOAT16 -> bfloat16(x);
            case FLOAT16 -> float16(x);
        };
    }

    /** float32 to the nearest float16 (ties to even, overflow to infinity), as a float32. */
    public static float float16(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        if (Math.abs(x) < 0x1p-14f) {
            return (float) (Math.rint(x * 0x1p24) * 0x1p-24); // subnormal grid 2^-24; rint: ties to even
        }
        int bits = Float.floatToRawIntBits(x);
        float r = Float.intBitsToFloat((bits + 0xFFF + ((bits >>> 13) & 1)) & 0xFFFFE000); // 10 fraction bits
        return Math.abs(r) > 65504f ? Math.copySign(Float.POSITIVE_INFINITY, x) : r;
    }

    /** float32 to the nearest bfloat16, ties to even, by its bits (NaN stays NaN). */
    public static float bfloat16(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        int bits = Float.floatToRawIntBits(x);
        return Float.intBitsToFloat((bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000);
    }
}
