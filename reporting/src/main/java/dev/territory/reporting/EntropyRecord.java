package dev.territory.reporting;

import java.util.Map;

/**
 * The normalized entropies of one prompt for one model and seed, as exported to entropies.jsonl/csv.
 *
 * @param role "base" or "instruct"
 * @param seed the seed of the pass
 * @param promptIndex index of the prompt
 * @param inputIds token ids (may be null when unknown)
 * @param attentionMask 1 for real tokens (may be null)
 * @param entropies [layer][head]
 * @param sinkMass [layer][head] mean attention weight on the first token (null when unknown)
 * @param rowEntropy [layer][head] mean over real query rows of each row's entropy in bits, Clark et al. 2019
 *     (null when unknown)
 * @param protocols by protocol id: the same heads reduced under other protocols from the same pass (empty when
 *     none were computed)
 * @param tokenCount real (non-padding) tokens of the prompt: the mask's ones, or the count a pipeline vector
 *     carries without its mask (null when unknown)
 */
public record EntropyRecord(
        String role, int seed, int promptIndex, int[] inputIds, int[] attentionMask, double[][] entropies,
        double[][] sinkMass, double[][] rowEntropy, Map<String, ProtocolValues> protocols, Integer tokenCount) {

    /**
     * One protocol's reduction of the prompt's heads.
     *
     * @param entropies normalized entropy per [layer][head]
     * @param normalizers per [layer][head] the count whose log2 divided it (non-zero mean weights for e11-v3 and
     *     masked, attendable keys for attendable)
     */
    public record ProtocolValues(double[][] entropies, int[][] normalizers) {}

    public EntropyRecord(String role, int seed, int promptIndex, int[] inputIds, int[] attentionMask, double[][] entropies) {
        this(role, seed, promptIndex, inputIds, attentionMask, entropies, null, null, Map.of());
    }

    /** The token count from the mask. */
    public EntropyRecord(String role, int seed, int promptIndex, int[] inputIds, int[] attentionMask, double[][] entropies,
            double[][] sinkMass, double[][] rowEntropy, Map<String, ProtocolValues> protocols) {
        this(role, seed, promptIndex, inputIds, attentionMask, entropies, sinkMass, rowEntropy, protocols,
                attentionMask == null ? null : java.util.Arrays.stream(attentionMask).sum());
    }

    public EntropyRecord {
        protocols = protocols == null ? Map.of() : Map.copyOf(protocols);
    }
}
