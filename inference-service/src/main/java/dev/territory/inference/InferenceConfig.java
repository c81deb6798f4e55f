package dev.territory.inference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Configuration of the inference service ({@code territory.inference.*}). */
@ConfigMapping(prefix = "territory.inference")
public interface InferenceConfig {

    /** DJL device the forward passes run on: {@code cpu}, {@code gpu:0}, ... */
    @WithDefault("cpu")
    String device();

    /** Prompts per forward pass (results do not depend on it). */
    @WithDefault("1")
    int batchSize();

    /**
     * Directories model paths must lie under (after resolving symlinks); absent = any path. Set it
     * wherever requests come from people other than the operator. Hub models ({@code hubId}) are
     * not paths and are not checked against these: they are downloaded into the Hub cache the
     * operator configures ({@code HF_HUB_CACHE}, see {@code HubSettings}).
     */
    Optional<List<String>> modelRoots();

    /** SHA-256 every weight file for the report's provenance (reads each file once per job). */
    @WithDefault("true")
    boolean hashWeights();

    /** Load libtorch and run one tiny operation at startup, so the first request does not pay for it. */
    @WithDefault("true")
    boolean warmEngine();

    /**
     * Bytes of model weights kept loaded between jobs, per compute dtype (weights counted in the
     * compute dtype: 4 bytes a parameter in float32, 2 in float16), so the next job of the same
     * model does not load it again. Default 8 GiB; least recently used models are closed first; a
     * model larger than this is loaded for its job and closed after it; 0 loads every job's model
     * afresh. Activations of the forward pass come on top.
     */
    @WithDefault("8589934592")
    long modelCacheBytes();
}
