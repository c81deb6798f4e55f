package dev.territory.reporting;

import java.util.List;

/**
 * How the entropies were computed: the notebook's methodology block plus the protocol.
 *
 * @param standard "E11-v3"
 * @param seeds seeds the notebook averages over
 * @param maxLength prompts truncated and padded to this many tokens
 * @param dtype dtype the forward pass ran in (e.g. "float32")
 * @param promptSet name of the prompt set ("Standard-10 v3" or a file name)
 * @param promptMd5 MD5 of the prompts joined by "|||"
 * @param numPrompts number of prompts
 * @param quantization e.g. "NONE (Full Precision float32)"
 * @param useChatTemplate whether prompts were wrapped in a chat template (the notebook: false)
 * @param protocol entropy protocol id ("e11-v3", "masked", "attendable")
 */
public record Methodology(
        String standard,
        List<Integer> seeds,
        int maxLength,
        String dtype,
        String promptSet,
        String promptMd5,
        int numPrompts,
        String quantization,
        boolean useChatTemplate,
        String protocol) {

    public Methodology {
        seeds = List.copyOf(seeds);
    }
}
