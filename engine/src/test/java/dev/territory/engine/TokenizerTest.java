package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.PromptSets;
import dev.territory.engine.tokenize.PromptTokenizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    @Test
    void truncatesLongPromptsToMaxLengthBeyondDjlsDefaultCap() throws Exception {
        String longPrompt = String.join(" ", java.util.Collections.nCopies(12, PromptSets.STANDARD_10_V3.get(5)));
        try (PromptTokenizer tok = PromptTokenizer.open(TestData.model("llama3-gqa-base"), 1, null)) {
            PromptTokenizer.Tokens full = tok.encode(longPrompt, 4000);
            int n = Arrays.stream(full.attentionMask()).sum();
            assertThat(n).isGreaterThan(700).isLessThan(4000);
            PromptTokenizer.Tokens cut = tok.encode(longPrompt, 600);
            assertThat(cut.inputIds()).hasSize(600);
            assertThat(Arrays.stream(cut.attentionMask()).sum()).isEqualTo(600);
            assertThat(cut.inputIds()[0]).isEqualTo(0); // BOS kept by the post-processor
            assertThat(Arrays.copyOf(full.inputIds(), 600)).containsExactly(cut.inputIds());
            // short prompt: right padding with eos (id 1), mask 0 there
            PromptTokenizer.Tokens shortOne = tok.encode("Hi", 8); // BOS, 'H', 'i'
            assertThat(shortOne.attentionMask()).containsExactly(1, 1, 1, 0, 0, 0, 0, 0);
            assertThat(Arrays.copyOfRange(shortOne.inputIds(), 3, 8)).containsOnly(1);
        }
    }
}
