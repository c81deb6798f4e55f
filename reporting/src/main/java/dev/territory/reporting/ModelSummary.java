package dev.territory.reporting;

import java.util.List;

/**
 * One model of a run as a report describes it. The attention labels come from the head counts of
 * its config.json ({@code num_attention_heads}, {@code num_key_value_heads}), never from its name.
 *
 * @param role "base" or "instruct"
 * @param name display name (directory name or Hub id)
 * @param source where it was loaded from: an absolute path or a Hub id
 * @param revision Hub revision (commit) or null for a local directory
 * @param modelType config.json {@code model_type}
 * @param numLayers decoder layers
 * @param numQueryHeads query heads per layer
 * @param numKvHeads key/value heads per layer
 * @param headDim dimension of one head
 * @param storageDtype dtype of the stored weights (e.g. "float32", "bfloat16")
 * @param parameterCount parameters counted from config.json (null when unknown)
 * @param weightFiles every weight file with its SHA-256
 */
public record ModelSummary(
        String role,
        String name,
        String source,
        String revision,
        String modelType,
        int numLayers,
        int numQueryHeads,
        int numKvHeads,
        int headDim,
        String storageDtype,
        Long parameterCount,
        List<WeightFileHash> weightFiles) {

    public ModelSummary {
        if (numQueryHeads < 1 || numKvHeads < 1 || numQueryHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("model " + name + ": " + numQueryHeads + " query heads cannot be split into "
                    + numKvHeads + " KV groups");
        }
        weightFiles = weightFiles == null ? List.of() : List.copyOf(weightFiles);
    }

    /** "MHA" (one KV head per query head), "MQA" (one KV head for all) or "GQA" (groups in between). */
    public String attentionKind() {
        return Architecture.kind(numQueryHeads, numKvHeads);
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return numQueryHeads / numKvHeads;
    }

    /** "GQA 4:1 (32 query / 8 KV heads)". */
    public String attentionLabel() {
        return Architecture.label(numQueryHeads, numKvHeads);
    }
}
