package dev.territory.contracts;

/** The attention shape of a model as the inference service found it (carried with its metrics). */
public record ModelShape(String modelType, int numLayers, int numHeads, int numKvHeads) {
    public ModelShape {
        Fields.required("ModelShape", "modelType", modelType);
        Fields.positive("ModelShape", "numLayers", numLayers);
        Fields.positive("ModelShape", "numHeads", numHeads);
        Fields.positive("ModelShape", "numKvHeads", numKvHeads);
    }

    /** "MHA", "MQA" or "GQA". */
    public String attentionKind() {
        return attentionKind(numHeads, numKvHeads);
    }

    /** "MHA" (one KV head per query head), "MQA" (one KV head for all) or "GQA" (groups in between). */
    public static String attentionKind(int numHeads, int numKvHeads) {
        return numKvHeads == numHeads ? "MHA" : numKvHeads == 1 ? "MQA" : "GQA";
    }
}
