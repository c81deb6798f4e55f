package dev.territory.engine.decoder;

import ai.djl.ndarray.NDManager;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import dev.territory.engine.ProgressListener;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.WeightFile;
import dev.territory.engine.config.ModelConfig;
import dev.territory.engine.entropy.AttentionReduction;
import dev.territory.engine.placement.LayerPlan;
import dev.territory.engine.placement.LayerPlanner;
import dev.territory.engine.tokenize.PromptTokenizer;
import dev.territory.engine.weights.WeightStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** A model directory loaded on the engine's devices: config, tokenizer and decoder weights. */
public final class DecoderModel implements LoadedModel {

    private final ModelConfig config;
    private final String storageDtype;
    private final long parameterCount;
    private final List<WeightFile> weightFiles;
    private final PromptTokenizer tokenizer;
    private final Decoder decoder;
    private final NDManager manager; // the first device's: batches, the embedding lookup and the statistics live there
    private final EngineOptions options;
    private final long cudaFreeBytes; // free on the tightest CUDA device once the weights were loaded; -1: the CPU

    private DecoderModel(
            ModelConfig config,
            String storageDtype,
            long parameterCount,
            List<WeightFile> weightFiles,
            PromptTokenizer tokenizer,
            Decoder decoder,
            NDManager manager,
            EngineOptions options,
            long cudaFreeBytes) {
        this.config = config;
        this.storageDtype = storageDtype;
        this.parameterCount = parameterCount;
        this.weightFiles = weightFiles;
        this.tokenizer = tokenizer;
        this.decoder = decoder;
        this.manager = manager;
        this.options = options;
        this.cudaFreeBytes = cudaFreeBytes;
    }

    /**
     * Checks the model directory, plans where its layers go over
     * the devices ({@link LayerPlanner}: bytes in the compute dtype against each device's
     * capacity), then loads the weights there.
     *
     * @param managers one per device, in placement order; the first also holds batches and statistics
     * @param capacities the same devices with the weight bytes each can take
     * @throws ModelException also when the model does not fit the devices (bytes needed and available per device)
     */
    public static LoadedModel load(
            Path modelDir,
            List<NDManager> managers,
            List<LayerPlanner.DeviceCapacity> capacities,
            EngineOptions options)
            throws ModelException {
        return load(modelDir, managers, capacities, options, () -> -1);
    }

    /**
     * As {@link #load(Path, List, List, EngineOptions)}, on CUDA devices. The checks, cheapest first,
     * are the same for every entry point (the commands and the inference service): config.json
     * ({@link ModelConfig#read}), the safetensors headers and every tensor's shape against the config
     * ({@link Decoder#validate}), the tokenizer and its regexes ({@link PromptTokenizer#open}), then
     * finite weights ({@link WeightStore#requireFinite}, which reads every weight once).
     *
     * @param cudaFreeBytes asked once the weights are loaded: bytes free on the tightest CUDA device
     *     of the model (sizes the attention chunks), or -1 when it computes on the CPU
     */
    public static LoadedModel load(
            Path modelDir,
            List<NDManager> managers,
            List<LayerPlanner.DeviceCapacity> capacities,
            EngineOptions options,
            LongSupplier cudaFreeBytes)
            throws ModelException {
        if (!Files.isDirectory(modelDir)) {
            throw new ModelException(modelDir + ": not a directory");
        }
        ModelConfig config = ModelConfig.read(modelDir);
        try (WeightStore store = WeightStore.open(modelDir)) {
            Decoder.validate(config, store, modelDir.toString());
            PromptTokenizer tokenizer = PromptTokenizer.open(
                    modelDir,
                    config.eosTokenId(),
                    dev.territory.engine.families.Family.of(config).defaultPadToken());
            try {
                store.requireFinite();
                int bytes = options.computeDtype().bytesPerParameter();
                LayerPlan plan;
                try {
                    plan = LayerPlanner.plan(
                            Decoder.embeddingBytes(config, bytes), Decoder.layerBytes(config, bytes), capacities);
                } catch (LayerPlanner.DoesNotFit e) {
                    throw new ModelException(
                            modelDir + " in " + options.computeDtype().id() + ": " + e.getMessage());
                }
                Decoder decoder = Decoder.load(config, store, managers, plan, options.computeDtype());
                return new DecoderModel(
                        config,
                        store.storageDtype(),
                        store.parameterCount(),
                        store.weightFiles(),
                        tokenizer,
                        decoder,
                        managers.get(0),
                        options,
                        cudaFreeBytes.getAsLong());
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public String storageDtype() {
        return storageDtype;
    }

    @Override
    public long parameterCount() {
        return parameterCount;
    }

    @Override
    public List<WeightFile> weightFiles() {
        return weightFiles;
    }

    @Override
    public String placement() {
        return decoder.plan().describe();
    }

    /** The decoder (tests check where its weights live). */
    Decoder decoder() {
        return decoder;
    }

    /**
     * Query rows per attention chunk for a batch of {@code batch} prompts of {@code tokens} tokens:
     * the override, else on CUDA from the device's free memory, else from the CPU budget.
     */
    public int chunkSize(int batch, int tokens) {
        if (options.chunkSizeOverride() > 0) {
            return Math.min(options.chunkSizeOverride(), tokens);
        }
        boolean rounded = Rounding.of(options.computeDtype()).active();
        if (cudaFreeBytes >= 0) {
            return AttentionChunks.cudaRows(
                    cudaFreeBytes,
                    batch,
                    config.numHeads(),
                    tokens,
                    config.hiddenSize(),
                    config.intermediateSize(),
                    rounded);
        }
        return AttentionChunks.cpuRows(options.memoryBudgetBytes(), batch, config.numHeads(), tokens, rounded);
    }

    @Override
    public List<PromptEntropies> computeEntropies(
            List<String> prompts, EntropyRequest request, ProgressListener progress) throws ModelException {
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        List<PromptTokenizer.Tokens> tokens = tokenize(prompts, request.maxLength());
        List<PromptEntropies> out = new ArrayList<>(prompts.size());
        for (int start = 0; start < tokens.size(); start += request.batchSize()) {
            List<PromptTokenizer.Tokens> batch =
                    tokens.subList(start, Math.min(tokens.size(), start + request.batchSize()));
            out.addAll(runBatch(start, batch, request));
            listener.promptsDone(out.size(), prompts.size());
        }
        return out;
    }

    @Override
    public int forwardOnly(List<String> prompts, EntropyRequest request) throws ModelException {
        List<PromptTokenizer.Tokens> tokens = tokenize(prompts, request.maxLength());
        for (int start = 0; start < tokens.size(); start += request.batchSize()) {
            List<PromptTokenizer.Tokens> batch =
                    tokens.subList(start, Math.min(tokens.size(), start + request.batchSize()));
            try (NDManager scope = manager.newSubManager()) {
                decoder.forward(scope, ids(batch), masks(batch), null, chunkSize(batch.size(), request.maxLength()))
                        .sum()
                        .getFloat(); // wait for the device
            }
        }
        return tokens.size();
    }

    private List<PromptTokenizer.Tokens> tokenize(List<String> prompts, int maxLength) throws ModelException {
        List<PromptTokenizer.Tokens> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            PromptTokenizer.Tokens t = tokenizer.encode(prompts.get(i), maxLength);
            for (int id : t.inputIds()) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new ModelException("prompt " + i + ": token id " + id + " is outside the embedding's "
                            + config.vocabSize() + " rows (config.json vocab_size)");
                }
            }
            out.add(t);
        }
        return out;
    }

    private List<PromptEntropies> runBatch(int firstIndex, List<PromptTokenizer.Tokens> batch, EntropyRequest request) {
        int b = batch.size();
        int[][] masks = masks(batch); // (B, T)
        try (NDManager scope = manager.newSubManager()) {
            AttentionReduction reduction = new AttentionReduction(
                    scope,
                    config.numLayers(),
                    config.numHeads(),
                    masks,
                    request,
                    Rounding.of(options.computeDtype())::round);
            decoder.forward(scope, ids(batch), masks, reduction, chunkSize(b, request.maxLength()));
            int[][] inputIds = new int[b][];
            for (int i = 0; i < b; i++) {
                inputIds[i] = batch.get(i).inputIds();
            }
            return reduction.reduce(firstIndex, inputIds);
        }
    }

    private static long[][] ids(List<PromptTokenizer.Tokens> batch) {
        long[][] out = new long[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.stream(batch.get(i).inputIds())
                    .asLongStream()
                    .toArray();
        }
        return out;
    }

    private static int[][] masks(List<PromptTokenizer.Tokens> batch) {
        int[][] out = new int[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.get(i).attentionMask();
        }
        return out;
    }

    @Override
    public void close() {
        decoder.close();
        tokenizer.close();
    }
}
