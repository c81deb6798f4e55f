package dev.territory.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunRequestValidatorTest {

    private static RunRequested request() {
        return RunRequested.of("run-1", ModelRef.local("/b"), ModelRef.local("/i"));
    }

    @Test
    void aDefaultRequestIsValid() {
        assertThat(RunRequestValidator.validate(request())).isNotNull();
    }

    @Test
    void everyProblemIsNamed() {
        RunRequested bad = new RunRequested(
                "e",
                1,
                java.time.Instant.now(),
                "../etc",
                null,
                ModelRef.local("/b"),
                ModelRef.local("/i"),
                new PromptSpec("mine", List.of("a", "b"), "0123"),
                List.of(1, 1),
                0,
                "bfloat13",
                "e12",
                "run-1");
        assertThatThrownBy(() -> RunRequestValidator.validate(bad))
                .isInstanceOf(InvalidRunRequestException.class)
                .hasMessageContaining("runId '../etc' must match")
                .hasMessageContaining("seed 1 is listed twice")
                .hasMessageContaining("maxLength must be > 0, got 0")
                .hasMessageContaining("unknown dtype 'bfloat13' (known: bfloat16, float16, float32)")
                .hasMessageContaining("unknown protocol 'e12'")
                .hasMessageContaining(
                        "prompt integrity error: expected MD5 0123, got " + PromptSets.md5(List.of("a", "b")));
    }

    @Test
    void emptySeedsAndSelfReferenceAreRefused() {
        assertThat(RunRequestValidator.problems(request().withSeeds(List.of())))
                .containsExactly("seeds must not be empty");
        assertThat(RunRequestValidator.problems(request().withReference("run-1")))
                .containsExactly("reference must be another run, not the run itself");
        assertThat(RunRequestValidator.problems(request().withPrompts(PromptSpec.inline("two", List.of("a", "b")))))
                .isEmpty();
    }

    @Test
    void hubIdsAreAcceptedWhenTheyFollowTheHubsRules() {
        assertThat(RunRequestValidator.problems(RunRequested.of(
                        "hub-ok",
                        ModelRef.hub("meta-llama/Llama-3.1-8B", "main"),
                        ModelRef.hub("org/name_2.x", "refs/pr/3"))))
                .isEmpty();
        assertThat(RunRequestValidator.problems(RunRequested.of(
                        "hub-commit",
                        ModelRef.hub("org/name", null),
                        ModelRef.hub("org/name", "0123456789abcdef0123456789abcdef01234567"))))
                .isEmpty();
        List<String> problems = RunRequestValidator.problems(RunRequested.of(
                "hub-bad", ModelRef.hub("just-a-name", "v..1"), new ModelRef("/models/x", "org/x", null)));
        assertThat(problems)
                .containsExactly(
                        "base: hubId 'just-a-name' is not of the form org/name",
                        "base: revision 'v..1' of hubId 'just-a-name' is not a valid branch, tag or commit",
                        "instruct: give either 'path' or 'hubId', not both");
        assertThat(RunRequestValidator.problems(RunRequested.of(
                        "hub-bad2", ModelRef.hub("org/-name", "a b"), ModelRef.hub("org--x/name", "main"))))
                .anySatisfy(p -> assertThat(p).startsWith("base: '-name' in hubId 'org/-name'"))
                .anySatisfy(p -> assertThat(p)
                        .isEqualTo("base: revision 'a b' of hubId 'org/-name' is not a valid branch, tag or commit"))
                .anySatisfy(p -> assertThat(p).startsWith("instruct: 'org--x' in hubId 'org--x/name'"))
                .hasSize(3);
    }
}
