package dev.territory.engine.decoder;

/**
 * Query rows per attention chunk (C): as many as the attention memory holds, at most T. A chunk
 * holds a few (B, H, C, K) float32 arrays at once, K up to T, so the rows follow from the bytes
 * one row costs. On the CPU the memory is a budget ({@code EngineOptions.memoryBudgetBytes}),
 * where a bigger chunk saves little; on CUDA it is what the device has free once the weights are
 * loaded, less the layer's other activations, up to {@link #CUDA_BUDGET_CAP}: there a small chunk
 * costs kernel launches and passes over K for every few rows, and running out of memory fails the
 * request.
 */
public final class AttentionChunks {

    /** Live (B, H, C, K) float32 arrays per chunk against the CPU budget: scores, exp, probabilities, one spare. */
    static final int CPU_TEMPORARIES = 4;

    /**
     * The same on CUDA, counted for the worst request: with row entropies and a second protocol the
     * observer adds the row weights' product, probabilities with zeros replaced, their log2 and the
     * product with the probabilities before the chunk's scope frees them.
     */
    static final int CUDA_TEMPORARIES = 8;

    /** Added with rounding to bfloat16 or float16: the rounded probabilities and the rounding's own two. */
    static final int ROUNDING_TEMPORARIES = 3;

    /** Kept free on CUDA besides: cuBLAS workspaces and the caching allocator's rounding. */
    static final long CUDA_RESERVE = 2L << 30;

    /**
     * At most this much for a chunk's temporaries on CUDA. Measured on an H200 with a Llama-3.1-8B
     * shape at T = 32768: 512-row chunks (this cap) ran the entropy pass in 27.5 s with 61.8 GiB in
     * use, 2,900-row chunks (all the free memory) in 29.4 s with 84.5 GiB.
     */
    static final long CUDA_BUDGET_CAP = 16L << 30;

    private AttentionChunks() {}

    /**
     * @param budgetBytes memory the chunk's (B, H, C, K) arrays may take
     * @param temporaries how many such arrays live at once
     * @return rows per chunk, 1..tokens
     */
    public static int rows(long budgetBytes, int batch, int heads, int tokens, int temporaries) {
        long perRow = (long) batch * heads * tokens * Float.BYTES * temporaries;
        long rows = Math.max(0, budgetBytes) / Math.max(perRow, 1);
        return (int) Math.max(1, Math.min(tokens, rows));
    }

    /** Rows per chunk on the CPU, from the engine's attention budget. */
    public static int cpuRows(long budgetBytes, int batch, int heads, int tokens) {
        return cpuRows(budgetBytes, batch, heads, tokens, false);
    }

    /** As {@link #cpuRows(long, int, int, int)}; {@code rounded}: the pass rounds to bfloat16 or float16. */
    public static int cpuRows(long budgetBytes, int batch, int heads, int tokens, boolean rounded) {
        return rows(budgetBytes, batch, heads, tokens, CPU_TEMPORARIES + (rounded ? ROUNDING_TEMPORARIES : 0));
    }

    /**
     * Rows per chunk on CUDA: the free memory less the activations and a reserve, at most {@link #CUDA_BUDGET_CAP}.
     *
     * @param freeBytes free on the tightest device once the weights are loaded
     * @param hidden E
     * @param intermediate I
     */
    public static int cudaRows(long freeBytes, int batch, int heads, int tokens, int hidden, int intermediate) {
        return cudaRows(freeBytes, batch, heads, tokens, hidden, intermediate, false);
    }

    /** As {@link #cudaRows(long, int, int, int, int, int)}; {@code rounded}: the pass rounds to bfloat16 or float16. */
    public static int cudaRows(
            long freeBytes, int batch, int heads, int tokens, int hidden, int intermediate, boolean rounded) {
        long budget = freeBytes - activationBytes(batch, tokens, hidden, intermediate) - CUDA_RESERVE;
        return rows(
                Math.min(budget, CUDA_BUDGET_CAP),
                batch,
                heads,
                tokens,
                CUDA_TEMPORARIES + (rounded ? ROUNDING_TEMPORARIES : 0));
    }

    /**
     * Peak float32 bytes of a layer's activations besides the attention chunk: the attention block
     * holds about 16 (B, T, E) arrays (x, the norm, q, k, v, RoPE's temporaries, the chunk outputs
     * and their concatenation, the projection), the FFN block three (B, T, I) and four (B, T, E).
     */
    static long activationBytes(int batch, int tokens, int hidden, int intermediate) {
        long perToken = Math.max(16L * hidden, 3L * intermediate + 4L * hidden);
        return (long) batch * tokens * perToken * Float.BYTES;
    }
}
