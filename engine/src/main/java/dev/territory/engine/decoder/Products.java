package dev.territory.engine.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Matrix products of rounded inputs, summed as the GEMM behind the notebook's numbers: cuBLAS's
 * bfloat16 GEMM on a Hopper GPU. Its tensor cores take the contraction in groups of {@value
 * #GROUP} consecutive terms, form each group's sum from the exact products, and add it into a
 * float32 accumulator rounding toward zero; the caller rounds the result to the dtype once.
 *
 * <p>On the CPU the reduced-precision modes do the same: each group's sum by a float64 matmul
 * (exact: 16 products of 8-bit significands), then, group after group, {@code acc =
 * toward_zero(acc + sum)} in Java. Measured on the H200 against cuBLAS's bf16 GEMM on every
 * matrix product of the calm fixtures' forward passes ({@code tools/bf16_accumulation.py}): 39 of
 * 6.2 million bf16 results differ, against 310 for a float32 sgemm, 278 for exact sums rounded once,
 * 111-133 for groups of 8 or 32 toward zero and 263-283 for any group size rounded to nearest. On
 * CUDA the products stay float32 matmuls, which the bfloat16 process runs as TF32 on the same tensor
 * cores ({@code MatmulPrecision}; 150 differ); the emulated order would cost a pass per group there.
 * float32 computes plain float32 products, as torch does.
 */
final class Products {

    /** Contraction terms the tensor core sums before adding to the accumulator (Hopper, bf16). */
    static final int GROUP = 16;

    /** Group sums held at once, in elements (float64): bounds the extra memory to 64 MiB. */
    private static final long BLOCK_ELEMENTS = 1L << 23;

    private final boolean grouped;

    Products(Rounding rounding) {
        this.grouped = rounding.active();
    }

    /** {@code a @ b}: a (..., M, K), b (..., K, N) with the same leading dims -> (..., M, N) float32. */
    NDArray matMul(NDArray a, NDArray b) {
        if (!grouped || a.getDevice().isGpu()) {
            return a.matMul(b);
        }
        Shape as = a.getShape();
        int rank = as.dimension();
        long m = as.get(rank - 2);
        long k = as.get(rank - 1);
        long n = b.getShape().get(rank - 1);
        long batch = as.size() / (m * k);
        NDArray out = accumulate(a.reshape(batch, m, k), b.reshape(batch, k, n)); // (P, M, N)
        return out.reshape(as.slice(0, rank - 2).add(m, n)); // (..., M, N)
    }

    /** HF's {@code F.linear}: x (..., K) times weight (N, K) transposed, plus bias (N) if any -> (..., N). */
    NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (!grouped || x.getDevice().isGpu()) { // torch's own linear (addmm), as transformers calls it
            return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
        }
        Shape xs = x.getShape();
        long k = xs.get(xs.dimension() - 1);
        long n = weight.getShape().get(0);
        NDArray product = matMul(
                        x.reshape(1, xs.size() / k, k), weight.transpose().reshape(1, k, n)) // (1, M, N)
                .reshape(xs.slice(0, xs.dimension() - 1).add(n)); // (..., N)
        return bias == null ? product : product.addi(bias); // float32, before the caller's one rounding
    }

    /** a (P, M, K) @ b (P, K, N) in groups of {@link #GROUP} -> (P, M, N), in a's manager. */
    private static NDArray accumulate(NDArray a, NDArray b) {
        long p = a.getShape().get(0);
        long m = a.getShape().get(1);
        long k = a.getShape().get(2);
        long n = b.getShape().get(2);
        float[] acc = new float[Math.toIntExact(p * m * n)]; // (P, M, N)
        long perBlock = Math.max(1, BLOCK_ELEMENTS / acc.length);
        List<double[]> block = new ArrayList<>();
        try (NDManager work = a.getManager().newSubManager()) {
            NDArray a64 = a.toType(DataType.FLOAT64, true); // (P, M, K)
            a64.attach(work);
            NDArray b64 = b.toType(DataType.FLOAT64, true); // (P, K, N)
            b64.attach(work);
            for (long k0 = 0; k0 < k; k0 += GROUP) {
                long k1 = Math.min(k, k0 + GROUP); // a ragged last group: its missing terms are zeros
                try (NDManager group = work.newSubManager()) {
                    NDArray aGroup = a64.get(new NDIndex(":, :, {}:{}", k0, k1)); // (P, M, 16), a strided view
                    aGroup.attach(group);
                    NDArray bGroup = b64.get(new NDIndex(":, {}:{}, :", k0, k1)); // (P, 16, N)
                    bGroup.attach(group);
                    block.add(aGroup.matMul(bGroup).toDoubleArray()); // (P, M, N) float64: the group's exact sums
                }
                if (block.size() == perBlock || k1 == k) {
                    addTowardZero(acc, block);
                    block.clear();
                }
            }
        }
        return a.getManager().create(acc, new Shape(p, m, n));
    }

    /** Outputs one task of {@link #addTowardZero} takes: its accumulators stay in the core's cache. */
    private static final int TILE = 4096;

    /**
     * {@code acc = toward_zero(acc + sums)} for each group's sums in turn, on every core: the
     * sequential pass over groups is the one step of the rule that no tensor operation does in one
     * go (ten elementwise operations per group as arrays, about twice as slow as this loop).
     */
    static void addTowardZero(float[] acc, List<double[]> groups) {
        int tiles = (acc.length + TILE - 1) / TILE;
        IntStream.range(0, tiles).parallel().forEach(tile -> {
            int from = tile * TILE;
            int to = Math.min(acc.length, from + TILE);
            for (double[] sums : groups) {
                for (int i = from; i < to; i++) {
                    double exact = acc[i] + sums[i]; // a float32 value plus 16 exact products
                    float nearest = (float) exact;
                    // rounded away from zero: one float32 step back (|nearest| > 0 there, so bits - 1 is inward)
                    acc[i] = (nearest - exact) * exact > 0
                            ? Float.intBitsToFloat(Float.floatToRawIntBits(nearest) - 1)
                            : nearest;
                }
            }
        });
    }
}
