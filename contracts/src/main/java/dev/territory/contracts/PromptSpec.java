package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The prompts of a run: the built-in Standard-10 v3 ({@code name} only, prompts omitted) or an
 * inline list with the MD5 its sender expects (the notebook's {@code '|||'}-joined checksum).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromptSpec(String name, List<String> prompts, String md5) {

    public PromptSpec {
        prompts = prompts == null ? null : List.copyOf(prompts);
    }

    public static PromptSpec standard10v3() {
        return new PromptSpec(PromptSets.STANDARD_10_V3_NAME, null, PromptSets.STANDARD_10_V3_MD5);
    }

    public static PromptSpec inline(String name, List<String> prompts) {
        return new PromptSpec(name, prompts, PromptSets.md5(prompts));
    }

    public boolean builtIn() {
        return prompts == null;
    }

    /** The prompt texts: the built-in set's, or the inline ones. */
    public List<String> resolve() {
        if (prompts != null) {
            return prompts;
        }
        if (name == null || PromptSets.STANDARD_10_V3_NAME.equals(name)) {
            return PromptSets.STANDARD_10_V3;
        }
        throw new IllegalArgumentException("unknown built-in prompt set '" + name + "' (known: "
                + PromptSets.STANDARD_10_V3_NAME + "); send the prompts inline with their md5");
    }

    public String displayName() {
        return name != null ? name : (prompts == null ? PromptSets.STANDARD_10_V3_NAME : "inline");
    }
}
