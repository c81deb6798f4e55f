package dev.territory.contracts;

import java.util.List;

/**
 * A model as events and reports describe it: where it came from, its shape from config.json and its
 * weight files. The one description of a model: the inference service sends it in
 * {@link ModelLoaded}, {@code territory analyze} builds it in process, results.json writes it. The
 * attention labels come from the head counts ({@code num_attention_heads},
 * {@code num_key_value_heads}), never from the name.
 *
 * @param name display name (directory name or Hub id)
 * @param source absolute path, or {@code endpoint/org/name} for a Hub model
 * @param revision Hub revision (commit), or null for a local directory
 * @param modelType config.json {@code model_type}
 * @param numHeads query heads per layer
 * @param numKvHeads key/value heads per layer
 * @param storageDtype dtype of the stored weights, as their safetensors headers name it
 * @param parameterCount parameters, or null when unknown
 * @param weightFiles every weight file with its size and SHA-256
 */
public record ModelInfo(
        String name,
        String source,
        String revision,
        String modelType,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        String storageDtype,
        int maxPositionEmbeddings,
        Long parameterCount,
        List<ModelFile> weightFiles) {

    public ModelInfo {
        Fields.required("ModelInfo", "name", name);
        Fields.required("ModelInfo", "source", source);
        Fields.required("ModelInfo", "modelType", modelType);
        Fields.positive("ModelInfo", "numLayers", numLayers);
        Fields.positive("ModelInfo", "numHeads", numHeads);
        Fields.positive("ModelInfo", "numKvHeads", numKvHeads);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("ModelInfo: model " + name + ": " + numHeads
                    + " query heads cannot be split into " + numKvHeads + " KV groups");
        }
        weightFiles = weightFiles == null ? List.of() : List.copyOf(weightFiles);
    }

    public ModelShape shape() {
        return new ModelShape(modelType, numLayers, numHeads, numKvHeads);
    }

    /** "MHA" (one KV head per query head), "MQA" (one KV head for all) or "GQA" (groups in between). */
    public String attentionKind() {
        return shape().attentionKind();
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }
}
