package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * The notebook's normalized entropy ({@code compute_head_entropy_profiles}): a head's mean
 * attention weights are renormalized, zero weights dropped, and the Shannon entropy in bits is
 * divided by log2 of the number of non-zero weights (0 when at most one is non-zero). Pure
 * functions on arrays of any device; the engine and the tests' reference decoder both use them.
 */
public final class HeadEntropy {
    private HeadEntropy() {}

    /**
     * The notebook's normalizer: the count of weights > 0, decided on the means as computed (before
     * any renormalization), so that weights that underflow to 0 drop out.
     *
     * @param mean (..., T) float32 mean attention weights per key
     * @return (...) float64 count of non-zero weights
     */
    public static NDArray nonZeroCount(NDArray mean) {
        return mean.gt(0f).toType(DataType.FLOAT64, false).sum(new int[] {-1});
    }

    /**
     * @param mean (..., T) float32 mean attention weights per key, as computed in float32
     * @param count (...) float64 number of keys to normalize by: {@link #nonZeroCount} for the
     *     notebook's protocol, the attendable keys for {@code attendable}
     * @return (...) float64 normalized entropies
     */
    public static NDArray normalized(NDArray mean, NDArray count) {
        NDArray m = mean.toType(DataType.FLOAT64, false);
        NDArray p = m.div(m.sum(new int[] {-1}, true)); // attn_weights / attn_weights.sum()
        NDArray safe = p.add(p.eq(0d).toType(DataType.FLOAT64, false)); // log2(1) = 0 where p == 0
        NDArray bits = p.mul(safe.log2()).sum(new int[] {-1}).neg(); // scipy entropy(p, base=2)
        NDArray hmax = count.maximum(2d).log2(); // placeholder 1 bit where count <= 1
        return NDArrays.where(count.gt(1d), bits.div(hmax), bits.zerosLike());
    }
}
