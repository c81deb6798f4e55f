package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.territory.contracts.PromptSets;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.TestData;
import dev.territory.engine.config.ModelConfig;
import dev.territory.engine.placement.DeviceSetting.LogicalDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A model spread over CPU stand-ins for GPUs ({@code cpu-standin:N}): each stand-in has its own
 * weights manager and the forward pass moves the residual stream and its tables between them, as
 * it would between GPUs. The entropies must equal the single-device run bit for bit.
 */
class MultiDeviceForwardTest {

    private static final Path MODEL = TestData.model("llama3-gqa-base"); // 6 layers
    /** Padding (max_length 32 over short prompts), several chunks, every accumulator. */
    private static final EntropyRequest REQUEST =
            new EntropyRequest(32, Protocol.E11_V3, 3, true).comparing(Set.of(Protocol.MASKED, Protocol.ATTENDABLE));

    private static final EngineOptions BASE = EngineOptions.defaults().withChunkSize(8);

    private static long embed;
    private static long layer;

    private static void sizes() throws ModelException {
        ModelConfig c = ModelConfig.read(MODEL);
        embed = Decoder.embeddingBytes(c, 4);
        long[] layers = Decoder.layerBytes(c, 4);
        assertThat(layers).hasSize(6).containsOnly(layers[0]);
        layer = layers[0];
    }

    @Test
    void splitOverThreeStandInsGivesTheSameBits() throws Exception {
        sizes();
        List<PromptEntropies> single = run(BASE, null);
        // capacities that force a split: 2 layers beside the embedding, then 3, then the rest (1)
        EngineOptions three =
                BASE.withDevice("cpu-standin:3").withDeviceCapacities(List.of(embed + 2 * layer, 3 * layer, 5 * layer));
        List<PromptEntropies> split =
                run(three, "standin:0 embedding + layers 0-1, standin:1 layers 2-4, standin:2 layer 5");
        assertSameBits(single, split);
    }

    @Test
    void embeddingAloneOnTheFirstStandIn() throws Exception {
        sizes();
        List<PromptEntropies> single = run(BASE, null);
        // exact boundary: the first stand-in holds exactly the embedding, so layer 0 already runs elsewhere
        EngineOptions two = BASE.withDevice("cpu-standin:3").withDeviceCapacities(List.of(embed, 4 * layer, 2 * layer));
        List<PromptEntropies> split = run(two, "standin:0 embedding, standin:1 layers 0-3, standin:2 layers 4-5");
        assertSameBits(single, split);
    }

    @Test
    void weightsLiveInOneManagerPerDeviceAndDieWithTheModel() throws Exception {
        sizes();
        EngineOptions three =
                BASE.withDevice("cpu-standin:3").withDeviceCapacities(List.of(embed + 2 * layer, 3 * layer, layer));
        try (EntropyEngine engine = EntropyEngine.create(three)) {
            assertThat(engine.devices())
                    .extracting(LogicalDevice::name)
                    .containsExactly("standin:0", "standin:1", "standin:2");
            DecoderModel model = (DecoderModel) engine.load(MODEL);
            Decoder decoder = model.decoder();
            NDManager first = decoder.managerOf(0);
            NDManager second = decoder.managerOf(2);
            NDManager third = decoder.managerOf(5);
            assertThat(decoder.managerOf(1)).isSameAs(first);
            assertThat(decoder.managerOf(3)).isSameAs(second);
            assertThat(decoder.managerOf(4)).isSameAs(second);
            assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
            // each is a child of its own device's manager, and those are distinct too
            assertThat(List.of(first.getParentManager(), second.getParentManager(), third.getParentManager()))
                    .doesNotHaveDuplicates();
            assertThat(model.forwardOnly(PromptSets.STANDARD_10_V3.subList(0, 2), REQUEST))
                    .isEqualTo(2);
            model.close();
            assertThat(first.isOpen()).isFalse();
            assertThat(second.isOpen()).isFalse();
            assertThat(third.isOpen()).isFalse();
        }
    }

    @Test
    void aModelThatDoesNotFitIsRefusedWithTheBytes() throws Exception {
        sizes();
        EngineOptions small = BASE.withDevice("cpu-standin:2").withDeviceCapacities(List.of(embed + layer, 2 * layer));
        try (EntropyEngine engine = EntropyEngine.create(small)) {
            assertThatThrownBy(() -> engine.load(MODEL))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining(
                            "in float32: the model does not fit: it needs 3.7 MiB = " + (embed + 6 * layer) + " bytes")
                    .hasMessageContaining("standin:0 1.0 MiB = " + (embed + layer)
                            + " bytes (embedding + layer 0) of 1.0 MiB = " + (embed + layer) + " bytes;")
                    .hasMessageContaining("layers 3-5 (1.6 MiB = " + 3 * layer + " bytes) fit on none");
        }
    }

    @Test
    void capacitiesMustMatchTheDevices() {
        assertThatThrownBy(() ->
                        EntropyEngine.create(BASE.withDevice("cpu-standin:3").withDeviceCapacities(List.of(1L, 2L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device setting 'cpu-standin:3' names 3 device(s) but 2 capacities were given");
    }

    @Test
    void autoWithoutGpuRunsOnTheCpu() throws Exception {
        // this machine has no CUDA GPU; on one with GPUs this test would see them
        try (EntropyEngine engine =
                EntropyEngine.create(EngineOptions.defaults().withDevice("auto"))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0);
            assertThat(engine.devices()).extracting(LogicalDevice::name).containsExactly("cpu");
            try (LoadedModel model = engine.load(MODEL)) {
                assertThat(model.placement()).isEqualTo("cpu embedding + layers 0-5");
            }
        }
        assertThatThrownBy(() -> EntropyEngine.create(EngineOptions.defaults().withDevice("gpu:0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device setting 'gpu:0': no CUDA GPU is visible on this machine");
        assertThatThrownBy(() -> EntropyEngine.create(EngineOptions.defaults().withDevice("npu:0")))
                .hasMessageContaining("unknown device 'npu:0'");
    }

    private static List<PromptEntropies> run(EngineOptions options, String expectedPlan) throws Exception {
        try (EntropyEngine engine = EntropyEngine.create(options);
                LoadedModel model = engine.load(MODEL)) {
            if (expectedPlan != null) {
                assertThat(model.placement()).isEqualTo(expectedPlan);
            }
            return model.computeEntropies(PromptSets.STANDARD_10_V3.subList(0, 5), REQUEST, null);
        }
    }

    /** Every float equal bit for bit (AssertJ compares float[] with Arrays.equals). */
    private static void assertSameBits(List<PromptEntropies> a, List<PromptEntropies> b) {
        assertThat(b).hasSameSizeAs(a);
        double worst = 0;
        for (int p = 0; p < a.size(); p++) {
            PromptEntropies x = a.get(p);
            PromptEntropies y = b.get(p);
            for (int l = 0; l < x.entropies().length; l++) {
                for (int h = 0; h < x.entropies()[l].length; h++) {
                    worst = Math.max(worst, Math.abs(x.entropies()[l][h] - y.entropies()[l][h]));
                }
                assertThat(y.entropies()[l])
                        .as("entropies prompt " + p + " layer " + l)
                        .isEqualTo(x.entropies()[l]);
                assertThat(y.sinkMass()[l])
                        .as("sink mass prompt " + p + " layer " + l)
                        .isEqualTo(x.sinkMass()[l]);
                assertThat(y.rowEntropy()[l])
                        .as("row entropy prompt " + p + " layer " + l)
                        .isEqualTo(x.rowEntropy()[l]);
                for (Protocol pr : x.protocols().keySet()) {
                    assertThat(y.protocols().get(pr).entropies()[l])
                            .as(pr + " prompt " + p + " layer " + l)
                            .isEqualTo(x.protocols().get(pr).entropies()[l]);
                    assertThat(y.protocols().get(pr).normalizers()[l])
                            .isEqualTo(x.protocols().get(pr).normalizers()[l]);
                }
            }
        }
        assertThat(a.get(0).protocols()).containsKeys(Protocol.E11_V3, Protocol.MASKED, Protocol.ATTENDABLE);
        System.out.printf("split over stand-ins vs one device: max |diff| %.3e over %d prompts%n", worst, a.size());
    }
}
