package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.PromptSets;
import dev.territory.engine.testing.SharedEngine;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bfloat16 emulation against the notebook's own dtype: per-prompt entropies of the calm pairs
 * run in bfloat16 by HF transformers on a GPU ({@code *.bfloat16.json}), held to the spread of HF
 * itself between its GPU and CPU bfloat16 runs (the {@code gpu16b} and {@code cpu16b} variants of
 * the pair's envelope): max |diff| within 1.5x the envelope's, mean |diff| within 2x; token ids
 * identical.
 */
class BFloat16ParityTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine(ComputeDtype.BFLOAT16);

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama3-calm, base", "llama3-calm, instruct", "mistral-calm, base", "mistral-calm, instruct"})
    void withinHfsOwnBfloat16Envelope(String pair, String role) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode ref = json.readTree(TestData.fixtures()
                        .resolve("reference/" + pair + ".bfloat16.json")
                        .toFile())
                .get(role);
        JsonNode variants = json.readTree(TestData.fixtures()
                        .resolve("reference/envelope/" + pair + ".envelope.json")
                        .toFile())
                .get("variants");
        double[] envelope = spread(
                variants.get("gpu16b").get(role).get("per_prompt_entropies"),
                variants.get("cpu16b").get(role).get("per_prompt_entropies")); // {max, mean}
        List<PromptEntropies> got;
        try (LoadedModel model = ENGINE.get().load(TestData.model(pair + "-" + role))) {
            got = model.computeEntropies(PromptSets.STANDARD_10_V3, new EntropyRequest(128, Protocol.E11_V3, 5), null);
        }
        assertThat(got).hasSize(10);
        double worst = 0;
        double total = 0;
        double worstCpu = 0; // against HF's CPU bfloat16 run: printed only
        int cases = 0;
        for (int p = 0; p < got.size(); p++) {
            JsonNode tokens = ref.get("tokens").get(p);
            assertThat(got.get(p).inputIds())
                    .as("input_ids of prompt %d", p)
                    .containsExactly(FixtureParityTest.ints(tokens.get("input_ids")));
            assertThat(got.get(p).attentionMask())
                    .as("mask of prompt %d", p)
                    .containsExactly(FixtureParityTest.ints(tokens.get("attention_mask")));
            JsonNode want = ref.get("seeds").get(0).get("per_prompt_entropies").get(p);
            float[][] e = got.get(p).entropies();
            for (int l = 0; l < e.length; l++) {
                for (int h = 0; h < e[l].length; h++) {
                    double d = Math.abs(e[l][h] - want.get(l).get(h).asDouble());
                    worst = Math.max(worst, d);
                    total += d;
                    cases++;
                    worstCpu = Math.max(
                            worstCpu,
                            Math.abs(e[l][h]
                                    - variants.get("cpu16b")
                                            .get(role)
                                            .get("per_prompt_entropies")
                                            .get(p)
                                            .get(l)
                                            .get(h)
                                            .asDouble()));
                }
            }
        }
        double mean = total / cases;
        System.out.printf(
                "bfloat16 parity %s %s: max |diff| %.3e (HF gpu16b vs cpu16b %.3e, ratio %.2f), mean |diff| %.3e"
                        + " (HF %.3e, ratio %.2f); max |diff| to HF's CPU bfloat16 run %.3e%n",
                pair, role, worst, envelope[0], worst / envelope[0], mean, envelope[1], mean / envelope[1], worstCpu);
        assertThat(worst).as("max |entropy - %s.bfloat16.json %s|", pair, role).isLessThanOrEqualTo(1.5 * envelope[0]);
        assertThat(mean).as("mean |entropy - %s.bfloat16.json %s|", pair, role).isLessThanOrEqualTo(2 * envelope[1]);
    }

    /** {max, mean} of |a - b| over every (prompt, layer, head). */
    static double[] spread(JsonNode a, JsonNode b) {
        double max = 0;
        double total = 0;
        int n = 0;
        for (int p = 0; p < a.size(); p++) {
            for (int l = 0; l < a.get(p).size(); l++) {
                for (int h = 0; h < a.get(p).get(l).size(); h++) {
                    double d = Math.abs(a.get(p).get(l).get(h).asDouble()
                            - b.get(p).get(l).get(h).asDouble());
                    max = Math.max(max, d);
                    total += d;
                    n++;
                }
            }
        }
        return new double[] {max, total / n};
    }
}
