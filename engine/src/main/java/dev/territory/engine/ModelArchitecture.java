package dev.territory.engine;

/** The shape of a loaded model, as read from config.json and checked against the weights. */
public record ModelArchitecture(
        String modelType,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int hiddenSize,
        int intermediateSize,
        int vocabSize,
        int maxPositionEmbeddings,
        Integer slidingWindow,
        String ropeType,
        double ropeTheta,
        boolean tiedEmbeddings,
        String storageDtype) {

    /** "MHA" (one KV head per query head), "MQA" (one KV head) or "GQA" (groups in between). */
    public String attentionKind() {
        if (numKvHeads == numHeads) {
            return "MHA";
        }
        return numKvHeads == 1 ? "MQA" : "GQA";
    }
}
