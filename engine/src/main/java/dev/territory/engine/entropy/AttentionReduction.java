package dev.territory.engine.entropy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.ProtocolReduction;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The whole reduction of one batch's attention to per-head numbers, under the request's protocol
 * and each compared one: column sums over the protocol's query rows ({@link ColumnStatistics},
 * chunk by chunk as the decoder computes them), the mean weight per key in the compute dtype, the
 * count of non-zero means, the normalized entropy ({@link HeadEntropy}), the sink mass and the row
 * entropy. The decoder hands it every chunk ({@link #onChunk}); {@link #reduce} then gives the
 * prompts' entropies.
 *
 * <p>Shapes: B prompts, L layers, H heads, T = max length (padded).
 */
public final class AttentionReduction implements AttentionObserver {

    private final NDManager scope;
    private final int layers;
    private final int heads;
    private final int[][] masks; // (B, T) 1 for real tokens
    private final Protocol protocol;
    private final boolean compared;
    private final EnumSet<Protocol> wanted;
    private final UnaryOperator<NDArray> toComputeDtype;
    private final float[] realCount; // (B) real tokens per prompt
    private final boolean allRows; // e11-v3 wanted: sums over every query row
    private final boolean both; // and masked or attendable too: a second sum over the real rows
    private final ColumnStatistics stats;

    /**
     * @param scope manager of the batch: the accumulators and results live there
     * @param masks (B, T) attention masks of the batch
     * @param toComputeDtype rounds a float32 array to the compute dtype (consumes it), as torch's
     *     mean of a tensor in that dtype ends
     */
    public AttentionReduction(
            NDManager scope,
            int layers,
            int heads,
            int[][] masks,
            EntropyRequest request,
            UnaryOperator<NDArray> toComputeDtype) {
        this.scope = scope;
        this.layers = layers;
        this.heads = heads;
        this.masks = masks;
        this.protocol = request.protocol();
        this.compared = !request.compareProtocols().isEmpty();
        this.wanted = EnumSet.of(protocol);
        wanted.addAll(request.compareProtocols());
        this.toComputeDtype = toComputeDtype;
        int b = masks.length;
        int t = masks[0].length;
        this.realCount = new float[b];
        float[] realRows = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                realRows[i * t + j] = masks[i][j];
                realCount[i] += masks[i][j];
            }
        }
        this.allRows = wanted.contains(Protocol.E11_V3);
        boolean realOnly = wanted.contains(Protocol.MASKED) || wanted.contains(Protocol.ATTENDABLE);
        this.both = allRows && realOnly;
        NDArray real = scope.create(realRows, new Shape(b, 1, t)); // (B, 1, T)
        NDArray rowWeights = allRows ? null : real.reshape(b, 1, t, 1); // (B, 1, T, 1)
        this.stats = new ColumnStatistics(scope, layers, rowWeights, real, request.rowEntropies(), both);
    }

    @Override
    public void onChunk(int layer, int rowStart, NDArray probs) {
        stats.onChunk(layer, rowStart, probs);
    }

    /**
     * Reduces the sums of the finished forward pass.
     *
     * @param firstIndex the first prompt's index in the request
     * @param inputIds (B, T) token ids of the batch
     * @return one entry per prompt of the batch, in order
     */
    public List<PromptEntropies> reduce(int firstIndex, int[][] inputIds) {
        int b = masks.length;
        int t = masks[0].length;
        NDArray allSums = allRows ? stats.columnSums() : null; // (B, L, H, T)
        NDArray realSums = both ? stats.realColumnSums() : allRows ? null : stats.columnSums();
        Map<Protocol, float[]> entropyByProtocol = new EnumMap<>(Protocol.class);
        Map<Protocol, float[]> countByProtocol = new EnumMap<>(Protocol.class);
        float[] sink = null;
        for (Protocol p : wanted) {
            // mean over the counted query rows as torch's mean of a tensor in the compute dtype:
            // float32 sum, divide, one rounding to the dtype (CPU mean_out: cast, sum, div, cast back)
            NDArray mean = toComputeDtype.apply(
                    p == Protocol.E11_V3
                            ? allSums.div(scope.full(new Shape(b, 1, 1, 1), (float) t))
                            : realSums.div(scope.create(realCount, new Shape(b, 1, 1, 1)))); // (B, L, H, T) float32
            NDArray keys = p == Protocol.ATTENDABLE
                    ? scope.create(realCount, new Shape(b, 1, 1))
                            .toType(DataType.FLOAT64, false)
                            .broadcast(b, layers, heads)
                    : null; // (B, L, H) float64: the keys the real rows could attend to
            float[][] reduced = normalizedEntropies(mean, keys);
            entropyByProtocol.put(p, reduced[0]);
            countByProtocol.put(p, reduced[1]);
            if (p == protocol) {
                // the sink is the first real token, wherever padding puts it (left padding moves it right)
                sink = new float[b * layers * heads]; // (B, L, H)
                for (int i = 0; i < b; i++) {
                    float[] column = mean.get(new NDIndex("{}, :, :, {}", i, firstReal(masks[i])))
                            .toFloatArray(); // (L, H)
                    System.arraycopy(column, 0, sink, i * layers * heads, layers * heads);
                }
            }
        }
        float[] entropy = entropyByProtocol.get(protocol);
        NDArray rowSums = stats.rowEntropySums(); // (B, L, H)
        float[] rowEntropy = rowSums == null
                ? null
                : rowSums.div(scope.create(realCount, new Shape(b, 1, 1))).toFloatArray();

        List<PromptEntropies> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            Map<Protocol, ProtocolReduction> reductions = new EnumMap<>(Protocol.class);
            if (compared) {
                for (Protocol p : wanted) {
                    float[][] counts = slice(countByProtocol.get(p), i, layers, heads);
                    int[][] n = new int[layers][heads];
                    for (int l = 0; l < layers; l++) {
                        for (int h = 0; h < heads; h++) {
                            n[l][h] = Math.round(counts[l][h]);
                        }
                    }
                    reductions.put(p, new ProtocolReduction(p, slice(entropyByProtocol.get(p), i, layers, heads), n));
                }
            }
            out.add(new PromptEntropies(
                    firstIndex + i,
                    inputIds[i],
                    masks[i],
                    slice(entropy, i, layers, heads),
                    slice(sink, i, layers, heads),
                    rowEntropy == null ? null : slice(rowEntropy, i, layers, heads),
                    reductions));
        }
        return out;
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
     * @param mean (B, L, H, T) float32 mean weights
     * @param keys (B, L, H) float64 normalizers, or null for the count of non-zero means
     * @return the (B, L, H) normalized entropies and the counts they were normalized by, flattened
     */
    private float[][] normalizedEntropies(NDArray mean, NDArray keys) {
        NDList entropies = new NDList();
        NDList counts = new NDList();
        for (int l = 0; l < layers; l++) {
            try (NDManager part = scope.newSubManager()) {
                NDArray m = mean.get(new NDIndex(":, {}", l)); // (B, H, T)
                m.attach(part);
                NDArray count =
                        keys == null ? HeadEntropy.nonZeroCount(m) : keys.get(new NDIndex(":, {}", l)); // (B, H)
                count.attach(part);
                NDArray e = HeadEntropy.normalized(m, count).toType(DataType.FLOAT32, false); // (B, H)
                NDArray n = count.toType(DataType.FLOAT32, false);
                e.attach(scope);
                n.attach(scope);
                entropies.add(e);
                counts.add(n);
            }
        }
        return new float[][] {
            NDArrays.stack(entropies, 1).toFloatArray(),
            NDArrays.stack(counts, 1).toFloatArray()
        };
    }

    private static float[][] slice(float[] flat, int prompt, int layers, int heads) {
        float[][] out = new float[layers][heads];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(flat, (prompt * layers + l) * heads, out[l], 0, heads);
        }
        return out;
    }
}
