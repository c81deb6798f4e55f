package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;

/** Receives each chunk of attention probabilities as the decoder computes it; must not keep {@code probs}. */
@FunctionalInterface
public interface AttentionObserver {
    /**
     * @param layer decoder layer
     * @param rowStart first query row of the chunk
     * @param probs (B, H, C, K) float32 softmax output of query rows [rowStart, rowStart + C) over
     *     keys [0, K), K <= T, rounded to the compute dtype (in bfloat16: the notebook's
     *     attentions): the weights of keys K..T-1 are exactly 0 (masked for every row)
     */
    void onChunk(int layer, int rowStart, NDArray probs);
}
