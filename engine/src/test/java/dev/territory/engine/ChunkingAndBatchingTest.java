package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.PromptSets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fast paths against straightforward ones: chunked attention vs one chunk, batches vs one prompt at a time. */
class ChunkingAndBatchingTest {

    @Test
    void chunkedAttentionEqualsUnchunked() throws Exception {
        List<PromptEntropies> whole = run(EngineOptions.defaults().withChunkSize(128), 1, Protocol.E11_V3);
        for (int chunk : new int[] {1, 7, 32}) {
            List<PromptEntropies> chunked = run(EngineOptions.defaults().withChunkSize(chunk), 1, Protocol.E11_V3);
            double worst = maxDiff(whole, chunked);
            System.out.printf("chunk %d vs unchunked: max |diff| %.3e%n", chunk, worst);
            assertThat(worst).isLessThan(1e-6);
        }
    }

    @Test
    void batchesEqualOnePromptAtATime() throws Exception {
        List<PromptEntropies> single = run(EngineOptions.defaults(), 1, Protocol.E11_V3);
        List<PromptEntropies> batched = run(EngineOptions.defaults(), 4, Protocol.E11_V3);
        double worst = maxDiff(single, batched);
        System.out.printf("batch 4 vs batch 1: max |diff| %.3e%n", worst);
        assertThat(worst).isLessThan(1e-6);
        for (int i = 0; i < single.size(); i++) {
            assertThat(batched.get(i).promptIndex()).isEqualTo(i);
            assertThat(batched.get(i).inputIds()).containsExactly(single.get(i).inputIds());
        }
    }

    @Test
    void protocolsAgreeWhereTheyShouldAndDifferElsewhere() throws Exception {
        // max_length 8: every Standard-10 prompt fills it, so no padded row exists
        List<PromptEntropies> e11 = run(EngineOptions.defaults(), 5, Protocol.E11_V3, 8);
        List<PromptEntropies> masked = run(EngineOptions.defaults(), 5, Protocol.MASKED, 8);
        assertThat(maxDiff(e11, masked)).isLessThan(1e-7);
        // at 128 the prompts are padded: the protocols differ
        List<PromptEntropies> e11Padded = run(EngineOptions.defaults(), 5, Protocol.E11_V3, 128);
        List<PromptEntropies> maskedPadded = run(EngineOptions.defaults(), 5, Protocol.MASKED, 128);
        List<PromptEntropies> attendable = run(EngineOptions.defaults(), 5, Protocol.ATTENDABLE, 128);
        assertThat(maxDiff(e11Padded, maskedPadded)).isGreaterThan(1e-3);
        // attendable equals masked wherever no mean weight underflowed (count of non-zero weights == real tokens)
        int compared = 0;
        for (int p = 0; p < maskedPadded.size(); p++) {
            float[][] m = maskedPadded.get(p).entropies();
            float[][] a = attendable.get(p).entropies();
            for (int l = 0; l < m.length; l++) {
                for (int h = 0; h < m[l].length; h++) {
                    // entropy * log2(count) is the same in both; equal normalizers give equal values
                    if (Math.abs(m[l][h] - a[l][h]) < 1e-6) {
                        compared++;
                    } else {
                        assertThat(a[l][h]).isLessThan(m[l][h]); // attendable >= count, so the value is lower
                    }
                }
            }
        }
        assertThat(compared).isGreaterThan(0);
        PromptEntropies first = e11Padded.get(0);
        assertThat(first.sinkMass()[0][0]).isBetween(0f, 1f);
    }

    static List<PromptEntropies> run(EngineOptions options, int batch, Protocol protocol) throws Exception {
        return run(options, batch, protocol, 128);
    }

    static List<PromptEntropies> run(EngineOptions options, int batch, Protocol protocol, int maxLength)
            throws Exception {
        try (EntropyEngine engine = EntropyEngine.create(options);
                LoadedModel model = engine.load(TestData.model("llama3-gqa-base"))) {
            return model.computeEntropies(
                    PromptSets.STANDARD_10_V3, new EntropyRequest(maxLength, protocol, batch), null);
        }
    }

    static double maxDiff(List<PromptEntropies> a, List<PromptEntropies> b) {
        double worst = 0;
        for (int p = 0; p < a.size(); p++) {
            float[][] x = a.get(p).entropies();
            float[][] y = b.get(p).entropies();
            for (int l = 0; l < x.length; l++) {
                for (int h = 0; h < x[l].length; h++) {
                    worst = Math.max(worst, Math.abs(x[l][h] - y[l][h]));
                }
            }
        }
        return worst;
    }
}
