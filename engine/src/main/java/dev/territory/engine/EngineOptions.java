package dev.territory.engine;

/**
 * How the engine runs.
 *
 * @param device DJL device name: {@code "cpu"} (default), {@code "gpu:0"}, ...
 * @param computeDtype dtype of the weights and activations of the forward pass
 * @param memoryBudgetBytes native memory the attention of one layer may use; picks the query chunk size
 * @param chunkSizeOverride query rows per attention chunk; 0 chooses it from the budget
 */
public record EngineOptions(String device, ComputeDtype computeDtype, long memoryBudgetBytes, int chunkSizeOverride) {

    /** 256 MiB for one layer's attention scores. */
    public static final long DEFAULT_MEMORY_BUDGET = 256L << 20;

    public EngineOptions {
        if (device == null || device.isBlank()) {
            device = "cpu";
        }
        if (computeDtype == null) {
            computeDtype = ComputeDtype.FLOAT32;
        }
        if (memoryBudgetBytes <= 0) {
            memoryBudgetBytes = DEFAULT_MEMORY_BUDGET;
        }
        if (chunkSizeOverride < 0) {
            throw new IllegalArgumentException("chunkSizeOverride must be >= 0, got " + chunkSizeOverride);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions("cpu", ComputeDtype.FLOAT32, DEFAULT_MEMORY_BUDGET, 0);
    }

    public EngineOptions withComputeDtype(ComputeDtype dtype) {
        return new EngineOptions(device, dtype, memoryBudgetBytes, chunkSizeOverride);
    }

    public EngineOptions withChunkSize(int chunk) {
        return new EngineOptions(device, computeDtype, memoryBudgetBytes, chunk);
    }
}
