package dev.territory.engine;

import java.util.List;

/** A model whose weights are loaded on the engine's devices. Not thread-safe: one computation at a time. */
public interface LoadedModel extends AutoCloseable {

    ModelArchitecture architecture();

    List<WeightFile> weightFiles();

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
