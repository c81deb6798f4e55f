package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.TestData;
import dev.territory.engine.config.ModelConfig;
import dev.territory.engine.placement.LayerPlanner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rows per attention chunk: from the CPU budget, or from an injected amount of free CUDA memory. */
class AttentionChunksTest {

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    // Llama-3.1-8B: H = 32, E = 4096, I = 14336
    private static final int H = 32;
    private static final int E = 4096;
    private static final int I = 14336;

    @Test
    void cudaChunksFollowTheFreeMemoryUpToTheCap() {
        // T = 32768, B = 1: activations 32768 * 16 E * 4 B = 8 GiB, reserve 2 GiB; one row of
        // 8 (1, 32, 1, 32768) float32 arrays = 32 MiB
        assertThat(AttentionChunks.activationBytes(1, 32768, E, I)).isEqualTo(8 * GIB);
        // 20 GiB free: (20 - 8 - 2) GiB / 32 MiB = 320 rows
        assertThat(AttentionChunks.cudaRows(20 * GIB, 1, H, 32768, E, I)).isEqualTo(320);
        // 100 GiB free: the 16 GiB cap decides, 16 GiB / 32 MiB = 512 rows
        assertThat(AttentionChunks.cudaRows(100 * GIB, 1, H, 32768, E, I)).isEqualTo(512);
        assertThat(AttentionChunks.cudaRows(50 * GIB, 1, H, 32768, E, I)).isEqualTo(512);
        // short contexts take the whole sequence in one chunk (T = 4096: 16 GiB / 4 MiB = 4096 rows)
        assertThat(AttentionChunks.cudaRows(100 * GIB, 10, H, 128, E, I)).isEqualTo(128);
        assertThat(AttentionChunks.cudaRows(100 * GIB, 1, H, 4096, E, I)).isEqualTo(4096);
        // the llama31-small bench model (E 512, I 1024) at T = 8192: 16 GiB / 8 MiB = 2048 rows
        assertThat(AttentionChunks.cudaRows(100 * GIB, 1, H, 8192, 512, 1024)).isEqualTo(2048);
        // less free than the activations: one row at a time, never zero
        assertThat(AttentionChunks.cudaRows(4 * GIB, 1, H, 32768, E, I)).isEqualTo(1);
        assertThat(AttentionChunks.cudaRows(0, 1, H, 32768, E, I)).isEqualTo(1);
    }

    @Test
    void cpuChunksFollowTheBudget() {
        // 256 MiB over rows of 4 (1, 32, 1, 8192) float32 arrays = 4 MiB: 64 rows
        assertThat(AttentionChunks.cpuRows(EngineOptions.DEFAULT_MEMORY_BUDGET, 1, H, 8192))
                .isEqualTo(64);
        assertThat(AttentionChunks.cpuRows(EngineOptions.DEFAULT_MEMORY_BUDGET, 10, H, 128))
                .isEqualTo(128);
        assertThat(AttentionChunks.cpuRows(MIB, 1, H, 32768)).isEqualTo(1);
    }

    /** The loaded model asks for the free memory once its weights are in, and sizes its chunks from it. */
    @Test
    void aLoadedModelSizesItsChunksFromTheFreeMemoryItWasGiven() throws Exception {
        Path model = TestData.model("llama3-gqa-base");
        ModelConfig c = ModelConfig.read(model);
        long free = 4 * GIB; // (4 - 0.5 activations - 2 reserve) GiB over 16 MiB rows: 96; the CPU budget gives 32
        int expected = AttentionChunks.cudaRows(free, 1, c.numHeads(), 65536, c.hiddenSize(), c.intermediateSize());
        assertThat(expected).isEqualTo(96);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<LayerPlanner.DeviceCapacity> cpu =
                    List.of(new LayerPlanner.DeviceCapacity("cpu", LayerPlanner.UNLIMITED));
            try (DecoderModel cuda = (DecoderModel)
                            DecoderModel.load(model, List.of(manager), cpu, EngineOptions.defaults(), () -> free);
                    DecoderModel host =
                            (DecoderModel) DecoderModel.load(model, List.of(manager), cpu, EngineOptions.defaults())) {
                assertThat(cuda.chunkSize(1, 65536)).isEqualTo(expected);
                assertThat(host.chunkSize(1, 65536))
                        .isEqualTo(
                                AttentionChunks.cpuRows(EngineOptions.DEFAULT_MEMORY_BUDGET, 1, c.numHeads(), 65536));
                assertThat(cuda.chunkSize(1, 65536)).isNotEqualTo(host.chunkSize(1, 65536));
            }
        }
    }
}
