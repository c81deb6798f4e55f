package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;

/** Receives each chunk of attention probabilities as the decoder computes it; must not keep {@code probs}. */
@FunctionalInterface
public interface AttentionObserver {
    /**
     * @param layer decoder layer
     * @param rowStart first query row of the chunk
     * @param probs (B, H, C, T) float32 softmax output of query rows [rowStart, rowStart + C)
     */
    void onChunk(int layer, int rowStart, NDArray probs);
}
