package dev.territory.contracts;

import java.util.List;

/**
 * A loaded model as reports describe it (from its config.json and weight files).
 *
 * @param name display name (directory name or Hub id)
 * @param source absolute path or Hub id
 * @param revision Hub revision, or null for a local directory
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
        List<WeightFileInfo> weightFiles) {

    /** One weight file: name inside the model directory, size, SHA-256 (lower-case hex). */
    public record WeightFileInfo(String name, long sizeBytes, String sha256) {}

    public ModelInfo {
        Fields.required("ModelInfo", "name", name);
        Fields.required("ModelInfo", "source", source);
        Fields.required("ModelInfo", "modelType", modelType);
        Fields.positive("ModelInfo", "numLayers", numLayers);
        Fields.positive("ModelInfo", "numHeads", numHeads);
        Fields.positive("ModelInfo", "numKvHeads", numKvHeads);
        weightFiles = weightFiles == null ? List.of() : List.copyOf(weightFiles);
    }

    public ModelShape shape() {
        return new ModelShape(modelType, numLayers, numHeads, numKvHeads);
    }
}
