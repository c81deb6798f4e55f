package dev.territory.reporting;

/**
 * The normalized entropies of one prompt for one model and seed, as exported to entropies.jsonl/csv.
 *
 * @param role "base" or "instruct"
 * @param seed the seed of the pass
 * @param promptIndex index of the prompt
 * @param inputIds token ids (may be null when unknown)
 * @param attentionMask 1 for real tokens (may be null)
 * @param entropies [layer][head]
 */
public record EntropyRecord(
        String role, int seed, int promptIndex, int[] inputIds, int[] attentionMask, double[][] entropies) {}
