package dev.territory.engine;

/**
 * One entropy run.
 *
 * @param maxLength prompts are truncated and right-padded to this many tokens
 * @param protocol how attention is reduced to entropies
 * @param batchSize prompts per forward pass (results do not depend on it)
 * @param rowEntropies also compute each head's mean per-row entropy ({@link PromptEntropies#rowEntropy})
 */
public record EntropyRequest(int maxLength, Protocol protocol, int batchSize, boolean rowEntropies) {

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
    }

    /** The notebook's settings: max_length 128, protocol e11-v3, one prompt per pass. */
    public static EntropyRequest notebook() {
        return new EntropyRequest(128, Protocol.E11_V3, 1);
    }
}
