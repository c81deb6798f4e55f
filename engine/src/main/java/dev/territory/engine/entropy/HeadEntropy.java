package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * The notebook's normalized entropy ({@code compute_head_entropy_profiles}): a head's mean
 * attention weights are renormalized, zero weights dropped, and the Shannon entropy in bits is
 * divided by log2 of the number of non-zero weights (0 when at most one is non-zero). Pure
 * functions: one on device arrays (what the engine uses), one on a float[] (the plain reference).
 */
public final class HeadEntropy {
    private HeadEntropy() {}

    /**
     * @param mean (..., T) float32 mean attention weights per key, as computed in float32
     * @param denominators (...) float64 number of keys to normalize by, or null for the notebook's
     *     count of non-zero weights
     * @return (...) float64 normalized entropies
     */
    public static NDArray normalized(NDArray mean, NDArray denominators) {
        // count of weights > 0: decided on the float32 means, before any renormalization
        NDArray count = denominators != null ? denominators : mean.gt(0f).toType(DataType.FLOAT64, false).sum(new int[] {-1});
        NDArray m = mean.toType(DataType.FLOAT64, false);
        NDArray p = m.div(m.sum(new int[] {-1}, true)); // attn_weights / attn_weights.sum()
        NDArray safe = p.add(p.eq(0d).toType(DataType.FLOAT64, false)); // log2(1) = 0 where p == 0
        NDArray bits = p.mul(safe.log2()).sum(new int[] {-1}).neg(); // scipy entropy(p, base=2)
        NDArray hmax = count.maximum(2d).log2(); // placeholder 1 bit where count <= 1
        return NDArrays.where(count.gt(1d), bits.div(hmax), bits.zerosLike());
    }

    /** The same reduction on one head's mean weights, in plain double arithmetic. */
    public static double normalized(float[] mean) {
        double total = 0;
        int count = 0;
        for (float w : mean) {
            total += w;
            if (w > 0) {
                count++;
            }
        }
        if (count <= 1) {
            return 0;
        }
        double h = 0;
        for (float w : mean) {
            if (w > 0) {
                double p = w / total;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(count);
    }

    /** Normalized entropy with an explicit denominator (protocol attendable). */
    public static double normalized(float[] mean, int keys) {
        double total = 0;
        for (float w : mean) {
            total += w;
        }
        if (keys <= 1) {
            return 0;
        }
        double h = 0;
        for (float w : mean) {
            if (w > 0) {
                double p = w / total;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(keys);
    }
}
