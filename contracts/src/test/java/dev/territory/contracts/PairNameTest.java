package dev.territory.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PairNameTest {

    @Test
    void commonPrefixOfTheNamesWithoutTheirOrganisation() {
        assertThat(PairName.of("llama3-gqa-base", "llama3-gqa-instruct")).isEqualTo("llama3-gqa");
        assertThat(PairName.of("meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct"))
                .isEqualTo("Meta-Llama-3-8B");
        // a directory and a Hub id of the same family name the pair alike
        assertThat(PairName.of("Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.1"))
                .isEqualTo("Mistral-7B");
    }

    @Test
    void namesWithoutACommonPrefixOfThreeCharactersAreJoined() {
        assertThat(PairName.of("x", "y")).isEqualTo("x_vs_y");
        assertThat(PairName.of("ab-base", "ab-chat")).isEqualTo("ab-base_vs_ab-chat");
        assertThat(PairName.of("org/x", "other/y")).isEqualTo("x_vs_y");
    }
}
