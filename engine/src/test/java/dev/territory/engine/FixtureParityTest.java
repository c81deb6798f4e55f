package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.PromptSets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden parity with the notebook run by HF transformers (testdata/fixtures/reference): token ids
 * identical, float32 per-prompt entropies within 1e-4; the distance to the bfloat16 references is
 * measured and printed only.
 */
class FixtureParityTest {

    static EntropyEngine engine;

    @BeforeAll
    static void start() {
        engine = EntropyEngine.create(EngineOptions.defaults());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama3-gqa, base", "llama3-gqa, instruct", "mistral-mha, base", "mistral-mha, instruct"})
    void matchesReference(String pair, String role) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode ref32 = json.readTree(TestData.fixtures().resolve("reference/" + pair + ".float32.json").toFile()).get(role);
        JsonNode ref16 = json.readTree(TestData.fixtures().resolve("reference/" + pair + ".bfloat16.json").toFile()).get(role);
        Path dir = TestData.model(pair + "-" + role);
        List<PromptEntropies> got;
        try (LoadedModel model = engine.load(dir)) {
            got = model.computeEntropies(PromptSets.STANDARD_10_V3, new EntropyRequest(128, Protocol.E11_V3, 5), null);
        }
        assertThat(got).hasSize(10);
        double worst32 = 0;
        double worst16 = 0;
        for (int p = 0; p < got.size(); p++) {
            JsonNode tokens = ref32.get("tokens").get(p);
            assertThat(got.get(p).inputIds()).as("input_ids of prompt %d", p).containsExactly(ints(tokens.get("input_ids")));
            assertThat(got.get(p).attentionMask()).as("mask of prompt %d", p).containsExactly(ints(tokens.get("attention_mask")));
            JsonNode want32 = ref32.get("seeds").get(0).get("per_prompt_entropies").get(p);
            JsonNode want16 = ref16.get("seeds").get(0).get("per_prompt_entropies").get(p);
            float[][] e = got.get(p).entropies();
            for (int l = 0; l < e.length; l++) {
                for (int h = 0; h < e[l].length; h++) {
                    worst32 = Math.max(worst32, Math.abs(e[l][h] - want32.get(l).get(h).asDouble()));
                    worst16 = Math.max(worst16, Math.abs(e[l][h] - want16.get(l).get(h).asDouble()));
                }
            }
        }
        System.out.printf("parity %s %s: max |diff| vs float32 reference %.3e, vs bfloat16 reference %.3e%n",
                pair, role, worst32, worst16);
        assertThat(worst32).as("max entropy difference to %s.float32.json %s", pair, role).isLessThan(1e-4);
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
