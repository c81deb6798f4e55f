package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.PromptSets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Several protocols from one forward pass against one pass per protocol. */
class ProtocolComparisonTest {

    @Test
    void onePassGivesEveryProtocolAsSeparatePassesDo() throws Exception {
        List<PromptEntropies> e11 = run(new EntropyRequest(128, Protocol.E11_V3, 5));
        List<PromptEntropies> masked = run(new EntropyRequest(128, Protocol.MASKED, 5));
        List<PromptEntropies> attendable = run(new EntropyRequest(128, Protocol.ATTENDABLE, 5));
        List<PromptEntropies> together =
                run(new EntropyRequest(128, Protocol.E11_V3, 5, true, Set.of(Protocol.MASKED, Protocol.ATTENDABLE)));
        // the request's own protocol first: unchanged by the comparison
        assertThat(ChunkingAndBatchingTest.maxDiff(e11, together)).isEqualTo(0.0);
        for (int p = 0; p < together.size(); p++) {
            PromptEntropies t = together.get(p);
            assertThat(t.protocols()).containsOnlyKeys(Protocol.E11_V3, Protocol.MASKED, Protocol.ATTENDABLE);
            assertThat(t.protocols().get(Protocol.E11_V3).entropies()).isDeepEqualTo(t.entropies());
            assertThat(t.protocols().get(Protocol.MASKED).entropies())
                    .isDeepEqualTo(masked.get(p).entropies());
            assertThat(t.protocols().get(Protocol.ATTENDABLE).entropies())
                    .isDeepEqualTo(attendable.get(p).entropies());
            assertThat(t.sinkMass()).isDeepEqualTo(e11.get(p).sinkMass());
            assertThat(e11.get(p).protocols()).isEmpty();
        }
        // the request's protocol masked, e11-v3 compared: the same numbers
        List<PromptEntropies> fromMasked =
                run(new EntropyRequest(128, Protocol.MASKED, 5, false, Set.of(Protocol.E11_V3)));
        for (int p = 0; p < fromMasked.size(); p++) {
            assertThat(fromMasked.get(p).entropies())
                    .isDeepEqualTo(masked.get(p).entropies());
            assertThat(fromMasked.get(p).sinkMass()).isDeepEqualTo(masked.get(p).sinkMass());
            assertThat(fromMasked.get(p).protocols().get(Protocol.E11_V3).entropies())
                    .isDeepEqualTo(e11.get(p).entropies());
        }
    }

    @Test
    void normalizersAreTheCountsTheEntropiesWereDividedBy() throws Exception {
        List<PromptEntropies> together =
                run(new EntropyRequest(128, Protocol.E11_V3, 5, true, Set.of(Protocol.MASKED, Protocol.ATTENDABLE)));
        int cases = 0;
        int fewer = 0;
        for (PromptEntropies t : together) {
            int tokens = t.tokenCount();
            ProtocolReduction e = t.protocols().get(Protocol.E11_V3);
            ProtocolReduction m = t.protocols().get(Protocol.MASKED);
            ProtocolReduction a = t.protocols().get(Protocol.ATTENDABLE);
            for (int l = 0; l < e.normalizers().length; l++) {
                for (int h = 0; h < e.normalizers()[l].length; h++) {
                    cases++;
                    assertThat(a.normalizers()[l][h]).isEqualTo(tokens);
                    assertThat(e.normalizers()[l][h]).isBetween(1, tokens); // padding keys are masked: never counted
                    assertThat(m.normalizers()[l][h]).isBetween(1, tokens);
                    fewer += e.normalizers()[l][h] < tokens ? 1 : 0;
                    // masked and attendable share the mean, hence the entropy in bits: only the divisor differs
                    double bitsMasked = m.entropies()[l][h] * log2(m.normalizers()[l][h]);
                    double bitsAttendable = a.entropies()[l][h] * log2(tokens);
                    assertThat(bitsAttendable)
                            .isCloseTo(bitsMasked, org.assertj.core.data.Offset.offset(2e-6 * Math.max(1, bitsMasked)));
                    // per-row entropy of real rows: between 0 and log2 of the keys a row sees
                    assertThat((double) t.rowEntropy()[l][h]).isBetween(0.0, log2(tokens) + 1e-5);
                }
            }
        }
        double share = fewer / (double) cases;
        System.out.printf("e11-v3 counts below the real tokens: %d of %d (%.1f%%)%n", fewer, cases, 100 * share);
        // the fixtures README: the notebook's count misses real keys in 21-34% of cases on the shared pairs
        assertThat(share).isBetween(0.05, 0.9);
    }

    private static double log2(int n) {
        return Math.log(n) / Math.log(2);
    }

    private static List<PromptEntropies> run(EntropyRequest request) throws Exception {
        try (EntropyEngine engine = EntropyEngine.create(EngineOptions.defaults());
                LoadedModel model = engine.load(TestData.model("llama3-gqa-base"))) {
            return model.computeEntropies(PromptSets.STANDARD_10_V3, request, null);
        }
    }
}
