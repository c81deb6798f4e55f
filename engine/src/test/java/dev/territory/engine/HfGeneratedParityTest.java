package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.PromptSets;
import dev.territory.engine.synthetic.SyntheticCheckpoint;
import dev.territory.engine.testing.SharedEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated checkpoints of the kinds the fixtures lack, against references that HF transformers
 * computed for the very same files (src/test/resources/hf-generated): token ids identical,
 * entropies within 1e-4.
 */
class HfGeneratedParityTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine();

    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        SyntheticCheckpoint.Spec qwen = new SyntheticCheckpoint.Spec();
        qwen.modelType = "qwen2";
        qwen.tied = true;
        qwen.vocab = 1100;
        qwen.hidden = 96;
        qwen.heads = 12;
        qwen.kvHeads = 2;
        qwen.slidingWindow = 4;
        qwen.ropeTheta = 1e6;
        qwen.layers = 3;
        SyntheticCheckpoint.Spec mistral = new SyntheticCheckpoint.Spec();
        mistral.modelType = "mistral";
        mistral.dtype = "BF16";
        mistral.shards = 3;
        mistral.ropeParameters = true;
        mistral.ropeTheta = 1e6;
        mistral.heads = 4;
        mistral.kvHeads = 1;
        mistral.slidingWindow = 8;
        mistral.layers = 3;
        SyntheticCheckpoint.Spec llama3 = new SyntheticCheckpoint.Spec();
        llama3.ropeParameters = true;
        llama3.ropeType = "llama3";
        llama3.headDim = 32;
        llama3.heads = 4;
        llama3.kvHeads = 2;
        llama3.layers = 3;
        llama3.qkGain = 3;
        SyntheticCheckpoint.Spec big = new SyntheticCheckpoint.Spec();
        big.layers = 32;
        big.hidden = 256;
        big.heads = 32;
        big.kvHeads = 8;
        big.intermediate = 64;
        big.ropeTheta = 5e5;
        big.ropeType = "llama3";
        big.dtype = "BF16";
        return Stream.of(
                Arguments.of("qwen2", qwen, 24), // biases, tied, 1100 rows, 12 over 2 KV heads, pad id 1024
                Arguments.of("mistral-sw", mistral, 32), // sharded bf16, rope_parameters, MQA, window 8 < T
                Arguments.of("llama3-rp", llama3, 16), // llama3 rope in rope_parameters, head_dim 32, truncation
                Arguments.of("llama-32x32", big, 24)); // 32 layers x 32 heads over 8 KV heads, bf16
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTransformers(String name, SyntheticCheckpoint.Spec spec, int maxLength) throws Exception {
        JsonNode ref =
                new ObjectMapper().readTree(getClass().getResourceAsStream("/hf-generated/hf-" + name + ".json"));
        SyntheticCheckpoint ckpt = SyntheticCheckpoint.write(spec, tmp.resolve(name));
        List<PromptEntropies> got;
        try (LoadedModel model = ENGINE.get().load(ckpt.dir)) {
            got = model.computeEntropies(
                    PromptSets.STANDARD_10_V3, new EntropyRequest(maxLength, Protocol.E11_V3, 4), null);
        }
        double worst = 0;
        for (int p = 0; p < got.size(); p++) {
            assertThat(got.get(p).inputIds())
                    .as("%s prompt %d ids", name, p)
                    .containsExactly(FixtureParityTest.ints(ref.get(p).get("ids")));
            JsonNode want = ref.get(p).get("ent");
            float[][] e = got.get(p).entropies();
            for (int l = 0; l < e.length; l++) {
                for (int h = 0; h < e[l].length; h++) {
                    worst = Math.max(
                            worst, Math.abs(e[l][h] - want.get(l).get(h).asDouble()));
                }
            }
        }
        System.out.printf("hf-generated %s: max |diff| vs transformers %.3e%n", name, worst);
        assertThat(worst).isLessThan(1e-4);
    }
}
