package dev.territory.engine;

import java.util.List;

/**
 * How the engine runs.
 *
 * @param device device setting: {@code "cpu"} (default), {@code "gpu:N"}, a list {@code "gpu:0,gpu:1"}
 *     (layers spread over them in order), {@code "auto"} (every visible CUDA GPU, else cpu) or
 *     {@code "cpu-standin:N"} (N logical devices on the CPU, for tests); see
 *     {@link dev.territory.engine.placement.DeviceSetting}
 * @param computeDtype dtype of the weights and activations of the forward pass
 * @param memoryBudgetBytes native memory the attention of one layer may use on the CPU; picks the query
 *     chunk size there (on CUDA the chunk follows the device's free memory once the weights are
 *     loaded, see {@link dev.territory.engine.decoder.AttentionChunks}); on CUDA also kept free
 *     when the layers are placed
 * @param chunkSizeOverride query rows per attention chunk; 0 chooses it from the memory
 * @param deviceCapacities weight bytes each device may hold, one per device of the setting; empty
 *     (default) measures them: on CUDA the free memory minus a reserve for activations, on the CPU
 *     unlimited
 */
public record EngineOptions(
        String device,
        ComputeDtype computeDtype,
        long memoryBudgetBytes,
        int chunkSizeOverride,
        List<Long> deviceCapacities) {

    /** 256 MiB for one layer's attention scores. */
    public static final long DEFAULT_MEMORY_BUDGET = 256L << 20;

    public EngineOptions(String device, ComputeDtype computeDtype, long memoryBudgetBytes, int chunkSizeOverride) {
        this(device, computeDtype, memoryBudgetBytes, chunkSizeOverride, List.of());
    }

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
        deviceCapacities = deviceCapacities == null ? List.of() : List.copyOf(deviceCapacities);
        for (long c : deviceCapacities) {
            if (c < 0) {
                throw new IllegalArgumentException("device capacities must be >= 0, got " + deviceCapacities);
            }
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions("cpu", ComputeDtype.FLOAT32, DEFAULT_MEMORY_BUDGET, 0);
    }

    public EngineOptions withComputeDtype(ComputeDtype dtype) {
        return new EngineOptions(device, dtype, memoryBudgetBytes, chunkSizeOverride, deviceCapacities);
    }

    public EngineOptions withChunkSize(int chunk) {
        return new EngineOptions(device, computeDtype, memoryBudgetBytes, chunk, deviceCapacities);
    }

    public EngineOptions withDevice(String setting) {
        return new EngineOptions(setting, computeDtype, memoryBudgetBytes, chunkSizeOverride, deviceCapacities);
    }

    /** These capacities instead of measured ones, one per device of the setting, in bytes. */
    public EngineOptions withDeviceCapacities(List<Long> capacities) {
        return new EngineOptions(device, computeDtype, memoryBudgetBytes, chunkSizeOverride, capacities);
    }
}
