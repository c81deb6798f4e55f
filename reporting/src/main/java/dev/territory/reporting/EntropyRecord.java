package dev.territory.reporting;

import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.PromptReductions.ProtocolValues;
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
        String role,
        int seed,
        int promptIndex,
        int[] inputIds,
        int[] attentionMask,
        double[][] entropies,
        double[][] sinkMass,
        double[][] rowEntropy,
        Map<String, ProtocolValues> protocols,
        Integer tokenCount) {

    public EntropyRecord(
            String role, int seed, int promptIndex, int[] inputIds, int[] attentionMask, double[][] entropies) {
        this(role, seed, promptIndex, inputIds, attentionMask, entropies, null, null, Map.of());
    }

    /** The token count from the mask. */
    public EntropyRecord(
            String role,
            int seed,
            int promptIndex,
            int[] inputIds,
            int[] attentionMask,
            double[][] entropies,
            double[][] sinkMass,
            double[][] rowEntropy,
            Map<String, ProtocolValues> protocols) {
        this(
                role,
                seed,
                promptIndex,
                inputIds,
                attentionMask,
                entropies,
                sinkMass,
                rowEntropy,
                protocols,
                attentionMask == null
                        ? null
                        : java.util.Arrays.stream(attentionMask).sum());
    }

    /** A prompt as the statistics see it, without token ids or mask (a pipeline event carries neither). */
    public static EntropyRecord of(PromptReductions p) {
        return new EntropyRecord(
                p.role(),
                p.seed(),
                p.promptIndex(),
                null,
                null,
                p.entropies(),
                p.sinkMass(),
                p.rowEntropy(),
                p.protocols(),
                p.tokenCount());
    }

    public EntropyRecord {
        protocols = protocols == null ? Map.of() : Map.copyOf(protocols);
    }

    /** What the run's statistics use of this record (not the token ids and mask). */
    public PromptReductions forStatistics() {
        return new PromptReductions(role, seed, promptIndex, entropies, sinkMass, rowEntropy, protocols, tokenCount);
    }
}
