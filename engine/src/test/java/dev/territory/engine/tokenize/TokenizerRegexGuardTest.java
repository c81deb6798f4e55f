package dev.territory.engine.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenizerRegexGuardTest {

    @Test
    void realTokenizerPatternsPass() {
        for (String re : new String[] {
            // Llama 3 / Qwen2 (the fixtures')
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            // GPT-2
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            // Bloom-like class with parentheses inside
            " ?[^(\\s|[.,!?…。，、।۔،])]+",
            "(ab){1}c",
            "(a|b)?",
            "\\(a+\\)+"
        }) {
            assertThat(TokenizerRegexGuard.problem(re)).as(re).isEmpty();
        }
    }

    @Test
    void catastrophicPatternsAreRefused() {
        assertThat(TokenizerRegexGuard.problem("(a+)+$"))
                .contains("a repeated group that repeats inside (nested quantifiers)");
        assertThat(TokenizerRegexGuard.problem("((\\w|\\s)*)*!")).isPresent();
        assertThat(TokenizerRegexGuard.problem("(a|aa)+$")).contains("a repeated group of alternatives");
        assertThat(TokenizerRegexGuard.problem("(.*a){12}")).isPresent();
        assertThat(TokenizerRegexGuard.problem("(?:x+x+)+y")).isPresent();
        assertThat(TokenizerRegexGuard.problem("((a)b+){2,}")).isPresent();
        assertThat(TokenizerRegexGuard.problem("(\\p{L}+\\s?)*$")).isPresent();
    }
}
