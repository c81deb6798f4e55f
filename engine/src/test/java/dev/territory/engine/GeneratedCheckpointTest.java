package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.PromptSets;
import dev.territory.engine.synthetic.SyntheticCheckpoint;
import dev.territory.engine.testing.ReferenceDecoder;
import dev.territory.engine.testing.SharedEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints the fixtures don't cover, generated here, against {@link ReferenceDecoder} (plain
 * double arithmetic): every prompt's entropies within 1e-4.
 */
class GeneratedCheckpointTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine();

    @TempDir
    Path tmp;

    @Test
    void qwen2WithBiasesTiedEmbeddingsAndMoreRowsThanTheTokenizer() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.modelType = "qwen2";
        s.tied = true;
        s.vocab = 1100;
        s.ropeTheta = 1e6;
        s.slidingWindow = 4; // ignored: use_sliding_window is false
        check(s, 32, 4, arch -> {
            assertThat(arch.config().modelType()).isEqualTo("qwen2");
            assertThat(arch.config().tiedEmbeddings()).isTrue();
            assertThat(arch.config().vocabSize()).isEqualTo(1100);
            assertThat(arch.config().slidingWindow()).isNull();
        });
    }

    @Test
    void twelveQueryHeadsOverTwoKvHeads() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.hidden = 96;
        s.heads = 12;
        s.kvHeads = 2;
        s.ropeType = "llama3";
        check(
                s,
                32,
                3,
                arch -> assertThat(arch.describe("generated", "generated", null, f -> null)
                                .attentionKind())
                        .isEqualTo("GQA"));
    }

    @Test
    void thirtyTwoLayersOfThirtyTwoHeadsOverEightKvHeads() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.layers = 32;
        s.hidden = 256;
        s.heads = 32;
        s.kvHeads = 8;
        s.intermediate = 64;
        s.ropeTheta = 5e5;
        s.ropeType = "llama3";
        check(s, 24, 2, arch -> {
            assertThat(arch.config().numLayers()).isEqualTo(32);
            assertThat(arch.config().headDim()).isEqualTo(8);
        });
    }

    @Test
    void shardedBf16WithRopeParameters() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.modelType = "mistral";
        s.dtype = "BF16";
        s.shards = 3;
        s.ropeParameters = true;
        s.ropeTheta = 1e6;
        s.heads = 4;
        s.kvHeads = 1;
        check(s, 32, 3, arch -> {
            assertThat(arch.storageDtype()).isEqualTo("BF16");
            assertThat(arch.describe("generated", "generated", null, f -> null).attentionKind())
                    .isEqualTo("MQA");
        });
    }

    @Test
    void promptsLongerThanMaxLengthWithASlidingWindow() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.modelType = "mistral";
        s.slidingWindow = 5;
        s.dtype = "F16";
        s.headDim = 32; // explicit head_dim
        s.heads = 2;
        s.kvHeads = 2;
        check(s, 12, 4, arch -> assertThat(arch.config().slidingWindow()).isEqualTo(5));
    }

    private void check(
            SyntheticCheckpoint.Spec spec, int maxLength, int batch, java.util.function.Consumer<LoadedModel> archCheck)
            throws Exception {
        SyntheticCheckpoint ckpt = SyntheticCheckpoint.write(spec, tmp.resolve("model"));
        ReferenceDecoder ref = new ReferenceDecoder(ckpt);
        List<String> prompts = PromptSets.STANDARD_10_V3.subList(0, 4);
        try (LoadedModel model = ENGINE.get().load(ckpt.dir)) {
            archCheck.accept(model);
            List<PromptEntropies> got =
                    model.computeEntropies(prompts, new EntropyRequest(maxLength, Protocol.E11_V3, batch), null);
            double worst = 0;
            boolean truncated = false;
            for (PromptEntropies p : got) {
                truncated |= p.tokenCount() == maxLength;
                double[][] want = ref.entropies(p.inputIds(), p.attentionMask());
                for (int l = 0; l < want.length; l++) {
                    for (int h = 0; h < want[l].length; h++) {
                        worst = Math.max(worst, Math.abs(want[l][h] - p.entropies()[l][h]));
                    }
                }
            }
            System.out.printf(
                    "generated %s L%d H%d KV%d %s T=%d: max |diff| vs double reference %.3e%n",
                    spec.modelType, spec.layers, spec.heads, spec.kvHeads, spec.dtype, maxLength, worst);
            assertThat(worst).isLessThan(1e-4);
            if (maxLength <= 12) {
                assertThat(truncated).as("some prompt longer than max_length").isTrue();
            }
        }
    }
}
