package dev.territory.engine.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelArchitecture;
import dev.territory.engine.ModelException;
import dev.territory.engine.ProgressListener;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.ProtocolReduction;
import dev.territory.engine.WeightFile;
import dev.territory.engine.config.ModelConfig;
import dev.territory.engine.entropy.ColumnStatistics;
import dev.territory.engine.entropy.HeadEntropy;
import dev.territory.engine.placement.LayerPlan;
import dev.territory.engine.placement.LayerPlanner;
import dev.territory.engine.tokenize.PromptTokenizer;
import dev.territory.engine.weights.WeightStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** A model directory loaded on the engine's devices: config, tokenizer and decoder weights. */
public final class DecoderModel implements LoadedModel {

    private final ModelConfig config;
    private final ModelArchitecture architecture;
    private final List<WeightFile> weightFiles;
    private final PromptTokenizer tokenizer;
    private final Decoder decoder;
    private final NDManager manager; // the first device's: batches, the embedding lookup and the statistics live there
    private final EngineOptions options;
    private final long cudaFreeBytes; // free on the tightest CUDA device once the weights were loaded; -1: the CPU

    private DecoderModel(ModelConfig config, ModelArchitecture architecture, List<WeightFile> weightFiles,
            PromptTokenizer tokenizer, Decoder decoder, NDManager manager, EngineOptions options, long cudaFreeBytes) {
        this.config = config;
        this.architecture = architecture;
        this.weightFiles = weightFiles;
        this.tokenizer = tokenizer;
        this.decoder = decoder;
        this.manager = manager;
        this.options = options;
        this.cudaFreeBytes = cudaFreeBytes;
    }

    /** Validates config, weights and tokenizer of {@code modelDir}, then loads the weights on the manager's device. */
    public static LoadedModel load(Path modelDir, NDManager manager, EngineOptions options) throws ModelException {
        String name = manager.getDevice().isGpu() ? "gpu:" + manager.getDevice().getDeviceId() : "cpu";
        return load(modelDir, List.of(manager), List.of(new LayerPlanner.DeviceCapacity(name, LayerPlanner.UNLIMITED)), options);
    }

    /**
     * Validates config, weights and tokenizer of {@code modelDir}, plans where its layers go over
     * the devices ({@link LayerPlanner}: bytes in the compute dtype against each device's
     * capacity), then loads the weights there.
     *
     * @param managers one per device, in placement order; the first also holds batches and statistics
     * @param capacities the same devices with the weight bytes each can take
     * @throws ModelException also when the model does not fit the devices (bytes needed and available per device)
     */
    public static LoadedModel load(Path modelDir, List<NDManager> managers, List<LayerPlanner.DeviceCapacity> capacities,
            EngineOptions options) throws ModelException {
        return load(modelDir, managers, capacities, options, () -> -1);
    }

    /**
     * As {@link #load(Path, List, List, EngineOptions)}, on CUDA devices.
     *
     * @param cudaFreeBytes asked once the weights are loaded: bytes free on the tightest CUDA device
     *     of the model (sizes the attention chunks), or -1 when it computes on the CPU
     */
    public static LoadedModel load(Path modelDir, List<NDManager> managers, List<LayerPlanner.DeviceCapacity> capacities,
            EngineOptions options, LongSupplier cudaFreeBytes) throws ModelException {
        if (!Files.isDirectory(modelDir)) {
            throw new ModelException(modelDir + ": not a directory");
        }
        ModelConfig config = ModelConfig.read(modelDir);
        try (WeightStore store = WeightStore.open(modelDir)) {
            Decoder.validate(config, store, modelDir.toString());
            PromptTokenizer tokenizer = PromptTokenizer.open(modelDir, config.eosTokenId(),
                    dev.territory.engine.families.Family.of(config).defaultPadToken());
            try {
                int bytes = options.computeDtype().bytesPerParameter();
                LayerPlan plan;
                try {
                    plan = LayerPlanner.plan(Decoder.embeddingBytes(config, bytes), Decoder.layerBytes(config, bytes), capacities);
                } catch (LayerPlanner.DoesNotFit e) {
                    throw new ModelException(modelDir + " in " + options.computeDtype().id() + ": " + e.getMessage());
                }
                Decoder decoder = Decoder.load(config, store, managers, plan, options.computeDtype());
                return new DecoderModel(config, config.architecture(store.storageDtype()), store.weightFiles(),
                        tokenizer, decoder, managers.get(0), options, cudaFreeBytes.getAsLong());
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }

    @Override
    public ModelArchitecture architecture() {
        return architecture;
    }

    @Override
    public List<WeightFile> weightFiles() {
        return weightFiles;
    }

    @Override
    public String placement() {
        return decoder.plan().describe();
    }

    /** Where the weights are, device by device. */
    public LayerPlan plan() {
        return decoder.plan();
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
            return AttentionChunks.cudaRows(cudaFreeBytes, batch, config.numHeads(), tokens, config.hiddenSize(),
                    config.intermediateSize(), rounded);
        }
        return AttentionChunks.cpuRows(options.memoryBudgetBytes(), batch, config.numHeads(), tokens, rounded);
    }

    @Override
    public List<PromptEntropies> computeEntropies(List<String> prompts, EntropyRequest request, ProgressListener progress)
            throws ModelException {
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        List<PromptTokenizer.Tokens> tokens = tokenize(prompts, request.maxLength());
        List<PromptEntropies> out = new ArrayList<>(prompts.size());
        for (int start = 0; start < tokens.size(); start += request.batchSize()) {
            List<PromptTokenizer.Tokens> batch = tokens.subList(start, Math.min(tokens.size(), start + request.batchSize()));
            out.addAll(runBatch(start, batch, request));
            listener.promptsDone(out.size(), prompts.size());
        }
        return out;
    }

    @Override
    public int forwardOnly(List<String> prompts, EntropyRequest request) throws ModelException {
        List<PromptTokenizer.Tokens> tokens = tokenize(prompts, request.maxLength());
        for (int start = 0; start < tokens.size(); start += request.batchSize()) {
            List<PromptTokenizer.Tokens> batch = tokens.subList(start, Math.min(tokens.size(), start + request.batchSize()));
            try (NDManager scope = manager.newSubManager()) {
                decoder.forward(scope, ids(batch), masks(batch), null, chunkSize(batch.size(), request.maxLength()))
                        .sum().getFloat(); // wait for the device
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
        int t = request.maxLength();
        int layers = config.numLayers();
        int heads = config.numHeads();
        Protocol protocol = request.protocol();
        int[][] masks = masks(batch);
        float[] realCount = new float[b];
        float[] realRows = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                realRows[i * t + j] = masks[i][j];
                realCount[i] += masks[i][j];
            }
        }
        EnumSet<Protocol> wanted = EnumSet.of(protocol);
        wanted.addAll(request.compareProtocols());
        boolean allRows = wanted.contains(Protocol.E11_V3);
        boolean realOnly = wanted.contains(Protocol.MASKED) || wanted.contains(Protocol.ATTENDABLE);
        try (NDManager scope = manager.newSubManager()) {
            NDArray real = scope.create(realRows, new Shape(b, 1, t)); // (B, 1, T)
            // one accumulator for the protocol's rows; a second over the real rows when e11-v3 is compared with the others
            boolean both = allRows && realOnly;
            NDArray rowWeights = allRows ? null : real.reshape(b, 1, t, 1); // (B, 1, T, 1)
            ColumnStatistics stats = new ColumnStatistics(scope, layers, rowWeights, real, request.rowEntropies(), both);
            decoder.forward(scope, ids(batch), masks, stats, chunkSize(b, t));

            NDArray allSums = allRows ? stats.columnSums() : null; // (B, L, H, T)
            NDArray realSums = both ? stats.realColumnSums() : allRows ? null : stats.columnSums();
            Map<Protocol, float[]> entropyByProtocol = new EnumMap<>(Protocol.class);
            Map<Protocol, float[]> countByProtocol = new EnumMap<>(Protocol.class);
            float[] sink = null;
            Rounding rounding = Rounding.of(options.computeDtype());
            for (Protocol p : wanted) {
                // mean over the counted query rows as torch's mean of a tensor in the compute dtype:
                // float32 sum, divide, one rounding to the dtype (CPU mean_out: cast, sum, div, cast back)
                NDArray mean = rounding.round(p == Protocol.E11_V3
                        ? allSums.div(scope.full(new Shape(b, 1, 1, 1), (float) t))
                        : realSums.div(scope.create(realCount, new Shape(b, 1, 1, 1)))); // (B, L, H, T) float32
                NDArray denominators = p == Protocol.ATTENDABLE
                        ? scope.create(realCount, new Shape(b, 1, 1)).toType(DataType.FLOAT64, false).broadcast(b, layers, heads)
                        : null;
                entropyByProtocol.put(p, normalizedEntropies(scope, mean, denominators, layers));
                if (!request.compareProtocols().isEmpty()) {
                    NDArray count = denominators != null ? denominators : mean.gt(0f).toType(DataType.FLOAT32, false).sum(new int[] {-1});
                    countByProtocol.put(p, count.toType(DataType.FLOAT32, false).toFloatArray());
                }
                if (p == protocol) {
                    // the sink is the first real token, wherever padding puts it (left padding moves it right)
                    sink = new float[b * layers * heads]; // (B, L, H)
                    for (int i = 0; i < b; i++) {
                        float[] column = mean.get(new NDIndex("{}, :, :, {}", i, firstReal(masks[i]))).toFloatArray(); // (L, H)
                        System.arraycopy(column, 0, sink, i * layers * heads, layers * heads);
                    }
                }
            }
            float[] entropy = entropyByProtocol.get(protocol);
            NDArray rowSums = stats.rowEntropySums();
            float[] rowEntropy = rowSums == null ? null : rowSums.div(scope.create(realCount, new Shape(b, 1, 1))).toFloatArray();

            List<PromptEntropies> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                PromptTokenizer.Tokens tok = batch.get(i);
                Map<Protocol, ProtocolReduction> reductions = new EnumMap<>(Protocol.class);
                for (Protocol p : countByProtocol.keySet()) {
                    float[][] counts = slice(countByProtocol.get(p), i, layers, heads);
                    int[][] n = new int[layers][heads];
                    for (int l = 0; l < layers; l++) {
                        for (int h = 0; h < heads; h++) {
                            n[l][h] = Math.round(counts[l][h]);
                        }
                    }
                    reductions.put(p, new ProtocolReduction(p, slice(entropyByProtocol.get(p), i, layers, heads), n));
                }
                out.add(new PromptEntropies(firstIndex + i, tok.inputIds(), tok.attentionMask(),
                        slice(entropy, i, layers, heads), slice(sink, i, layers, heads),
                        rowEntropy == null ? null : slice(rowEntropy, i, layers, heads), reductions));
            }
            return out;
        }
    }

    /** Index of the first real (mask 1) position; 0 for an all-padding row. */
    static int firstReal(int[] mask) {
        for (int j = 0; j < mask.length; j++) {
            if (mask[j] != 0) {
                return j;
            }
        }
        return 0;
    }

    /**
     * {@link HeadEntropy#normalized} one layer at a time, each layer's float64 (B, H, T) temporaries
     * freed before the next (all layers at once would hold about 1 GB of them at T = 16384).
     *
     * @return (B, L, H) float32 normalized entropies, flattened
     */
    private static float[] normalizedEntropies(NDManager scope, NDArray mean, NDArray denominators, int layers) {
        NDList parts = new NDList();
        for (int l = 0; l < layers; l++) {
            try (NDManager part = scope.newSubManager()) {
                NDArray m = mean.get(new NDIndex(":, {}", l)); // (B, H, T)
                m.attach(part);
                NDArray d = denominators == null ? null : denominators.get(new NDIndex(":, {}", l)); // (B, H)
                if (d != null) {
                    d.attach(part);
                }
                NDArray e = HeadEntropy.normalized(m, d).toType(DataType.FLOAT32, false); // (B, H)
                e.attach(scope);
                parts.add(e);
            }
        }
        return NDArrays.stack(parts, 1).toFloatArray(); // (B, L, H)
    }

    private static float[][] slice(float[] flat, int prompt, int layers, int heads) {
        float[][] out = new float[layers][heads];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(flat, (prompt * layers + l) * heads, out[l], 0, heads);
        }
        return out;
    }

    private static long[][] ids(List<PromptTokenizer.Tokens> batch) {
        long[][] out = new long[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.stream(batch.get(i).inputIds()).asLongStream().toArray();
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
