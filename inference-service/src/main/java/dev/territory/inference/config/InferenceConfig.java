package dev.territory.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Configuration of the inference service ({@code territory.inference.*}). */
@ConfigMapping(prefix = "territory.inference")
public interface InferenceConfig {

    /**
     * Devices the forward passes run on (default {@code cpu}): {@code cpu}; {@code gpu:N}; a list
     * {@code gpu:0,gpu:1,...} over which a model too large for one GPU is spread layer by layer
     * (embedding and first layers on the first, as {@code device_map="auto"}); {@code auto}, every
     * visible CUDA GPU, or the CPU when there is none. A GPU's share is its free memory less the
     * attention budget and a 1 GiB activation margin. An unknown device or an absent GPU fails the
     * engine's warm-up at start (readiness {@code djl-engine} DOWN) with a message naming the value.
     */
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
     * Bytes of model weights kept loaded between jobs, per compute dtype (4 bytes a parameter in
     * every dtype: bfloat16 and float16 are emulated in float32 arrays), so the next job of the same
     * model does not load it again. Default 8 GiB; least recently used models are closed first; a
     * model larger than this is loaded for its job and closed after it; 0 loads every job's model
     * afresh. Activations of the forward pass come on top.
     */
    @WithDefault("8589934592")
    long modelCacheBytes();
}
