package dev.territory.engine;

import java.util.Map;

/**
 * The entropies of one prompt.
 *
 * @param promptIndex position of the prompt in the request
 * @param inputIds token ids, padded to max length
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param entropies normalized entropy per [layer][head] under the request's protocol
 * @param sinkMass per [layer][head]: mean attention weight on the first token (over the protocol's query rows)
 * @param rowEntropy per [layer][head]: mean over the real query rows of each row's entropy in bits
 *     (Clark et al. 2019); null unless the request asked for it
 * @param protocols when the request compared protocols: the reduction under the request's protocol and
 *     under each compared one, from the same pass; empty otherwise
 */
public record PromptEntropies(
        int promptIndex,
        int[] inputIds,
        int[] attentionMask,
        float[][] entropies,
        float[][] sinkMass,
        float[][] rowEntropy,
        Map<Protocol, ProtocolReduction> protocols) {

    public PromptEntropies(int promptIndex, int[] inputIds, int[] attentionMask, float[][] entropies) {
        this(promptIndex, inputIds, attentionMask, entropies, null, null);
    }

    public PromptEntropies(
            int promptIndex,
            int[] inputIds,
            int[] attentionMask,
            float[][] entropies,
            float[][] sinkMass,
            float[][] rowEntropy) {
        this(promptIndex, inputIds, attentionMask, entropies, sinkMass, rowEntropy, Map.of());
    }

    public PromptEntropies {
        protocols = protocols == null ? Map.of() : Map.copyOf(protocols);
    }

    /** Number of real (non-padding) tokens. */
    public int tokenCount() {
        int n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }
}
