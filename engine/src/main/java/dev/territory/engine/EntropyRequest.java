package dev.territory.engine;

import java.util.EnumSet;
import java.util.Set;

/**
 * One entropy run.
 *
 * @param maxLength prompts are truncated and right-padded to this many tokens
 * @param protocol how attention is reduced to entropies
 * @param batchSize prompts per forward pass (results do not depend on it)
 * @param rowEntropies also compute each head's mean per-row entropy ({@link PromptEntropies#rowEntropy})
 * @param compareProtocols further protocols to reduce the same attention to, from the same forward pass
 *     ({@link PromptEntropies#protocols}); empty for none
 */
public record EntropyRequest(
        int maxLength, Protocol protocol, int batchSize, boolean rowEntropies, Set<Protocol> compareProtocols) {

    public EntropyRequest(int maxLength, Protocol protocol, int batchSize, boolean rowEntropies) {
        this(maxLength, protocol, batchSize, rowEntropies, Set.of());
    }

    /** A request without the per-row entropy extra (which costs one more pass over the probabilities). */
    public EntropyRequest(int maxLength, Protocol protocol, int batchSize) {
        this(maxLength, protocol, batchSize, false);
    }

    public EntropyRequest {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        if (protocol == null) {
            protocol = Protocol.E11_V3;
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        compareProtocols = compareProtocols == null || compareProtocols.isEmpty()
                ? Set.of()
                : Set.copyOf(EnumSet.copyOf(compareProtocols));
    }

    /** This request, also reducing to {@code others} from the same forward pass. */
    public EntropyRequest comparing(Set<Protocol> others) {
        return new EntropyRequest(maxLength, protocol, batchSize, rowEntropies, others);
    }

    /** The notebook's settings: max_length 128, protocol e11-v3, one prompt per pass. */
    public static EntropyRequest notebook() {
        return new EntropyRequest(128, Protocol.E11_V3, 1);
    }
}
