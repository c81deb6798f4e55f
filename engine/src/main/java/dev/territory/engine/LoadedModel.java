package dev.territory.engine;

import dev.territory.contracts.ModelFile;
import dev.territory.contracts.ModelInfo;
import dev.territory.engine.config.ModelConfig;
import java.util.List;
import java.util.function.Function;

/** A model whose weights are loaded on the engine's devices. Not thread-safe: one computation at a time. */
public interface LoadedModel extends AutoCloseable {

    /** The validated config.json the forward pass runs on. */
    ModelConfig config();

    /** The dtypes of the stored weights as their safetensors headers name them, e.g. "BF16" or "F32+BF16". */
    String storageDtype();

    /** Parameters in the weight files: every tensor their headers list. */
    long parameterCount();

    List<WeightFile> weightFiles();

    /**
     * This model as events and reports describe it: the one mapping from the engine's config and
     * weights to the contracts record.
     *
     * @param name display name (directory name or Hub id)
     * @param source absolute path, or {@code endpoint/org/name} for a Hub model
     * @param revision Hub commit, or null for a local directory
     * @param sha256 a weight file's SHA-256, or null when it is not to be hashed
     */
    default ModelInfo describe(String name, String source, String revision, Function<WeightFile, String> sha256) {
        ModelConfig c = config();
        // the files are hashed in parallel: one after another, an 8B model's 15 GiB took 17 s on an H200 host
        List<ModelFile> files = weightFiles().parallelStream()
                .map(f -> new ModelFile(f.name(), f.sizeBytes(), sha256.apply(f)))
                .toList();
        return new ModelInfo(
                name,
                source,
                revision,
                c.modelType(),
                c.numLayers(),
                c.numHeads(),
                c.numKvHeads(),
                c.headDim(),
                storageDtype(),
                c.maxPositionEmbeddings(),
                parameterCount(),
                files);
    }

    /**
     * Where the weights live, e.g. {@code "gpu:0 embedding + layers 0-15, gpu:1 layers 16-31"} or
     * {@code "cpu embedding + layers 0-31"}; empty when the implementation does not say.
     */
    default String placement() {
        return "";
    }

    /**
     * Tokenizes the prompts and reduces every (layer, head) attention pattern of each to its entropy.
     *
     * @return one entry per prompt, in order
     */
    List<PromptEntropies> computeEntropies(List<String> prompts, EntropyRequest request, ProgressListener progress)
            throws ModelException;

    /** The same forward passes without attention statistics (for benchmarks); returns the prompts run. */
    int forwardOnly(List<String> prompts, EntropyRequest request) throws ModelException;

    @Override
    void close();
}
