package dev.territory.inference;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelFile;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.EngineVersion;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.cache.ModelCache;
import dev.territory.hub.HubException;
import dev.territory.hub.ModelReference;
import dev.territory.hub.ModelResolver;
import dev.territory.hub.Provenance;
import dev.territory.hub.ResolvedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Runs one model of a run (plain Java, no Quarkus or Kafka): checks the model path (or resolves a
 * Hub id through the {@link ModelResolver}: downloaded once into the Hub cache, then loaded from
 * there), takes the model from the {@link ModelCache} (loading it on a miss), and for every seed
 * computes the entropies of every prompt and hands each one on as an {@link EntropyVectorComputed}. Progress goes to the {@link Sink} as it happens.
 */
public final class ModelJobRunner {

    /** Where the runner's output goes; {@link #seedDone} may block until the seed's vectors are acknowledged. */
    public interface Sink {
        void progress(RunProgress progress);

        void vector(EntropyVectorComputed vector);

        /** All vectors of a seed have been handed on. */
        default void seedDone(String runId, Role role, int seed) {}

        default void modelLoaded(String runId, Role role, ModelInfo model, double seconds, long bytes) {}

        /**
         * The model is ready: loaded in {@code seconds}, or {@code reused} from the model cache (then
         * {@code seconds} is the wait for it, about 0, and no weights were read).
         */
        default void modelLoaded(String runId, Role role, ModelInfo model, double seconds, long bytes, boolean reused) {
            modelLoaded(runId, role, model, seconds, bytes);
        }

        /** A Hub model was resolved (downloaded, or found in the cache: then {@code stats().bytesDownloaded()} is 0). */
        default void modelResolved(String runId, Role role, ResolvedModel model) {}

        default void promptsDone(
                String runId, Role role, int seed, int done, int total, double batchSeconds, int batchPrompts) {}
    }

    private final Optional<List<String>> modelRoots;
    private final int batchSize;

    private final boolean hashWeights;

    /** Asked only when a job names a Hub model. */
    private final Supplier<ModelResolver> hub;

    /** A runner whose Hub models resolve with the process environment's settings (HF_ENDPOINT, HF_TOKEN, ...). */
    public ModelJobRunner(Optional<List<String>> modelRoots, int batchSize, boolean hashWeights) {
        this(modelRoots, batchSize, hashWeights, ModelResolver::fromEnvironment);
    }

    public ModelJobRunner(
            Optional<List<String>> modelRoots, int batchSize, boolean hashWeights, Supplier<ModelResolver> hub) {
        this.modelRoots = modelRoots;
        this.batchSize = batchSize;
        this.hashWeights = hashWeights;
        this.hub = hub;
    }

    /**
     * @throws ModelException when the model cannot be used (the message names the file and the problem)
     * @throws IllegalArgumentException when the request does not fit the model
     * @throws HubException when a Hub model cannot be had (401/403/404, offline and not cached, ...;
     *         the message names the repository, the revision and the problem)
     */
    public void run(ModelJobRequested job, EntropyEngine engine, Sink sink) throws ModelException {
        try (ModelCache uncached = new ModelCache(0, engine.options().computeDtype())) {
            run(job, engine, uncached, sink);
        }
    }

    /**
     * {@link #run(ModelJobRequested, EntropyEngine, Sink)} with the model from {@code cache}, the
     * cache of {@code engine}'s models: loaded there on a miss, reused on a hit.
     */
    public void run(ModelJobRequested job, EntropyEngine engine, ModelCache cache, Sink sink) throws ModelException {
        RunRequested request = job.request();
        Role role = job.role();
        String runId = job.runId();
        ModelRef ref = request.model(role);
        List<String> prompts = request.prompts().resolve();
        ResolvedModel resolved = null;
        Path dir;
        if (ref.hubId() != null && !ref.hubId().isBlank()) {
            resolved = resolveHub(runId, role, ref, sink);
            dir = resolved.directory();
        } else {
            dir = checkedModelDir(ref.path());
        }

        sink.progress(RunProgress.of(runId, role, null, RunProgress.Stage.LOADING, 0, 0, dir.toString()));
        long loadStart = System.nanoTime();
        try (ModelCache.Lease lease = cache.acquire(dir, engine::load)) {
            LoadedModel model = lease.model();
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            long bytes =
                    model.weightFiles().stream().mapToLong(w -> w.sizeBytes()).sum();
            ModelInfo info = describe(model, resolved != null ? resolved : ResolvedModel.local(dir));
            sink.modelLoaded(runId, role, info, loadSeconds, bytes, lease.reused());
            if (request.maxLength() > info.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("maxLength " + request.maxLength() + " is above the " + role.id()
                        + " model's max_position_embeddings " + info.maxPositionEmbeddings());
            }
            sink.progress(RunProgress.of(
                    runId,
                    role,
                    null,
                    RunProgress.Stage.LOADED,
                    0,
                    0,
                    String.format(
                            "%s, %d layers, %d heads, %d KV heads (%s), %s",
                            info.modelType(),
                            info.numLayers(),
                            info.numHeads(),
                            info.numKvHeads(),
                            info.attentionKind(),
                            lease.reused()
                                    ? "reused from the model cache (loaded by an earlier job)"
                                    : String.format("loaded in %.1f s", loadSeconds))));

            // every protocol and the head extras from the same pass, carried on the vector so that the run's
            // report compares protocols and shows sink mass and row entropy as an offline analysis does
            EntropyRequest entropyRequest = new EntropyRequest(
                    request.maxLength(),
                    Protocol.fromId(request.protocol()),
                    batchSize,
                    true,
                    EnumSet.allOf(Protocol.class));
            for (int seed : request.seeds()) {
                sink.progress(RunProgress.of(runId, role, seed, RunProgress.Stage.COMPUTING, 0, prompts.size(), null));
                long[] last = {System.nanoTime()};
                int[] lastDone = {0};
                // the forward pass is deterministic (eval mode, no sampling): the seed changes nothing,
                // and the notebook repeats the measurement per seed anyway; so do we, to report it honestly
                List<PromptEntropies> results;
                synchronized (model) { // a cached model may be shared, and computes one thing at a time
                    results = model.computeEntropies(prompts, entropyRequest, (done, total) -> {
                        long now = System.nanoTime();
                        sink.promptsDone(runId, role, seed, done, total, (now - last[0]) / 1e9, done - lastDone[0]);
                        last[0] = now;
                        lastDone[0] = done;
                        sink.progress(
                                RunProgress.of(runId, role, seed, RunProgress.Stage.COMPUTING, done, total, null));
                    });
                }
                for (PromptEntropies p : results) {
                    sink.vector(EntropyVectorComputed.of(
                            runId,
                            role,
                            seed,
                            request.seeds(),
                            p.promptIndex(),
                            prompts.size(),
                            p.tokenCount(),
                            info.modelType(),
                            info.numKvHeads(),
                            request.dtype(),
                            request.protocol(),
                            EngineVersion.VERSION,
                            p.entropies(),
                            reductions(p)));
                }
                sink.seedDone(runId, role, seed);
            }
            sink.progress(RunProgress.of(
                    runId, role, null, RunProgress.Stage.MODEL_DONE, prompts.size(), prompts.size(), null));
        }
    }

    /** The prompt's other reductions, keyed as {@link EntropyVectorComputed#reductions()}. */
    static Map<String, float[][]> reductions(PromptEntropies p) {
        Map<String, float[][]> out = new LinkedHashMap<>();
        p.protocols().forEach((protocol, r) -> {
            out.put(EntropyVectorComputed.entropiesKey(protocol.id()), r.entropies());
            float[][] counts = new float[r.normalizers().length][];
            for (int l = 0; l < counts.length; l++) {
                counts[l] = new float[r.normalizers()[l].length];
                for (int h = 0; h < counts[l].length; h++) {
                    counts[l][h] = r.normalizers()[l][h]; // exact: counts are far below 2^24
                }
            }
            out.put(EntropyVectorComputed.normalizersKey(protocol.id()), counts);
        });
        if (p.sinkMass() != null) {
            out.put(EntropyVectorComputed.SINK_MASS, p.sinkMass());
        }
        if (p.rowEntropy() != null) {
            out.put(EntropyVectorComputed.ROW_ENTROPY, p.rowEntropy());
        }
        return out;
    }

    /**
     * Downloads (or finds in the cache) a Hub model; download progress goes out as LOADING progress
     * messages, at most one every two seconds.
     */
    private ResolvedModel resolveHub(String runId, Role role, ModelRef ref, Sink sink) {
        ModelReference.Hub reference = new ModelReference.Hub(
                ref.hubId(), ref.revision() != null ? ref.revision() : ModelReference.DEFAULT_REVISION);
        sink.progress(RunProgress.of(runId, role, null, RunProgress.Stage.LOADING, 0, 0, "resolving " + reference));
        long[] lastReport = {System.nanoTime()};
        ResolvedModel resolved = hub.get().resolve(reference, (done, total) -> {
            long now = System.nanoTime();
            if (now - lastReport[0] >= 2_000_000_000L) {
                lastReport[0] = now;
                sink.progress(RunProgress.of(
                        runId,
                        role,
                        null,
                        RunProgress.Stage.LOADING,
                        0,
                        0,
                        String.format(
                                Locale.ROOT,
                                "downloading %s: %.1f of %.1f MiB",
                                reference,
                                done / 1048576.0,
                                total / 1048576.0)));
            }
        });
        sink.modelResolved(runId, role, resolved);
        Provenance p = resolved.provenance();
        sink.progress(RunProgress.of(
                runId,
                role,
                null,
                RunProgress.Stage.LOADING,
                0,
                0,
                String.format(
                        Locale.ROOT,
                        "%s at commit %s: %d bytes downloaded in %.1f s, %d files from the cache",
                        reference,
                        p.commit(),
                        resolved.stats().bytesDownloaded(),
                        resolved.stats().elapsed().toNanos() / 1e9,
                        resolved.stats().filesCached())));
        return resolved;
    }

    /**
     * What reports say about the model (its {@link LoadedModel#describe}), with the weight hashes a
     * Hub download verified, so that they are known without rehashing; other files are hashed only
     * when {@code territory.inference.hash-weights} (the default) asks for it.
     */
    private ModelInfo describe(LoadedModel model, ResolvedModel resolved) {
        Map<String, String> verified = new HashMap<>();
        for (ModelFile f : resolved.provenance().files()) {
            if (f.sha256() != null) {
                verified.put(f.name(), f.sha256());
            }
        }
        return model.describe(
                resolved.name(),
                resolved.source(),
                resolved.revision(),
                f -> verified.containsKey(f.name()) ? verified.get(f.name()) : hashWeights ? f.sha256() : null);
    }

    /** The model directory, resolved; refused when it does not exist or lies outside the configured roots. */
    Path checkedModelDir(String path) throws ModelException {
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir)) {
            throw new ModelException(path + ": not a directory");
        }
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new ModelException(path + ": cannot resolve (" + e.getMessage() + ")", e);
        }
        if (modelRoots.isPresent()) {
            boolean inside = false;
            for (String root : modelRoots.get()) {
                try {
                    inside |= real.startsWith(Path.of(root).toRealPath());
                } catch (IOException ignored) {
                    // a configured root that does not exist contains nothing
                }
            }
            if (!inside) {
                throw new ModelException(path + ": outside the configured model roots " + modelRoots.get());
            }
        }
        return real;
    }
}
