package dev.territory.engine.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.ModelException;
import dev.territory.engine.config.ModelConfig;
import dev.territory.engine.entropy.AttentionObserver;
import dev.territory.engine.families.Family;
import dev.territory.engine.placement.LayerPlan;
import dev.territory.engine.weights.TensorInfo;
import dev.territory.engine.weights.WeightStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Llama-style decoder (llama, mistral, qwen2) up to the last layer's residual stream: the
 * final norm and the LM head are skipped, only the attention probabilities are wanted.
 *
 * <p>Shapes: B prompts, T tokens (max_length), E hidden size, H query heads, KV key/value heads,
 * G = H / KV query heads per KV head, D head dim, I intermediate size, V embedding rows, C query
 * rows per attention chunk. Mirrors transformers' {@code LlamaDecoderLayer} with eager attention:
 * <pre>
 *   x = x + o_proj(attention(rope(q_proj(norm1(x))), rope(k_proj(...)), v_proj(...)))
 *   x = x + down_proj(silu(gate_proj(norm2(x))) * up_proj(norm2(x)))
 * </pre>
 *
 * <p>Compute dtype: every array is float32. In bfloat16 and float16 the values are rounded to
 * that dtype ({@link Rounding}) at exactly the points where transformers' eager path holds a
 * tensor in it, so that the float32 arithmetic between two points is what torch's bf16/f16
 * kernels do (float32 opmath or accumulator, one rounding of the result; matrix products summed
 * as cuBLAS's bf16 GEMM sums them, {@link Products}). The rounding points of
 * {@link #forward} and {@link #layer}, in order ({@code r(.)} = round to the dtype):
 * <ol>
 *   <li>weights: {@code r(w)} at load ({@code torch_dtype=}); bfloat16 files load exactly</li>
 *   <li>embedding lookup: a row of rounded weights, nothing new</li>
 *   <li>RoPE tables: cos and sin computed in float32, then {@code r(cos)}, {@code r(sin)}</li>
 *   <li>RMSNorm (both): float32 inside, {@code r(r(x * rsqrt(mean(x^2) + eps)) * weight)}, rsqrt
 *     as torch's CPU kernel computes it, {@code 1 / sqrt(.)}</li>
 *   <li>q, k, v projections: {@code r(x W^T + b)} (bias added before the one rounding)</li>
 *   <li>RoPE: {@code r(r(q * cos) + r(rotate_half(q) * sin))}, the same for k</li>
 *   <li>scores: {@code r(r(q k^T) * scaling)}; a power-of-two scaling is applied to q instead,
 *     exact in bfloat16 (only scores below 2^-126 could differ, whose exp is 1 either way)</li>
 *   <li>mask: added in float32 after the rounding (the same weights: a masked score's exp is 0)</li>
 *   <li>softmax in float32 ({@code dtype=torch.float32}), then {@code r(p)}: the rounded
 *     probabilities are what the observer sees (the notebook's {@code output_attentions}) and
 *     what multiplies V</li>
 *   <li>attention output {@code r(p v)}; o_proj {@code r(a W_o^T + b)}; residual {@code r(x + .)}</li>
 *   <li>SwiGLU: {@code r(gate)}, {@code r(up)}, {@code r(silu(gate))} (silu in float32, one
 *     rounding), {@code r(silu * up)}, {@code r(down)}; residual {@code r(x + .)}</li>
 * </ol>
 * The mean over query rows that the notebook takes of the probabilities is rounded by
 * {@link DecoderModel} (torch's bf16 mean: float32 sum, divide, one rounding). The probabilities
 * and that mean are rounded exactly ({@link Rounding#round}); activations with {@link
 * Rounding#roundNormal}, exact except below 2^-126, where no later step can tell.
 *
 * <p>The weights may be spread over devices layer by layer ({@link LayerPlan}, as accelerate's
 * {@code device_map="auto"}): the embedding on the first device, each layer's weights on its
 * device, and the forward pass moves the residual stream to a layer's device when it differs from
 * the previous layer's.
 */
public final class Decoder implements AutoCloseable {

    /** HF's masked score: {@code torch.finfo(torch.float32).min}, added to the score. */
    static final float MASKED = -Float.MAX_VALUE;

    /** One decoder layer's weights (HF names under {@code model.layers.i.}); biases may be null. */
    record Layer(
            NDArray inputNorm, // input_layernorm (E)
            NDArray wq, // self_attn.q_proj (H*D, E)
            NDArray bq, // its bias (H*D)
            NDArray wk, // self_attn.k_proj (KV*D, E)
            NDArray bk, // its bias (KV*D)
            NDArray wv, // self_attn.v_proj (KV*D, E)
            NDArray bv, // its bias (KV*D)
            NDArray wo, // self_attn.o_proj (E, H*D)
            NDArray bo, // its bias (E)
            NDArray postNorm, // post_attention_layernorm (E)
            NDArray wGate, // mlp.gate_proj (I, E)
            NDArray bGate, // its bias (I)
            NDArray wUp, // mlp.up_proj (I, E)
            NDArray bUp, // its bias (I)
            NDArray wDown, // mlp.down_proj (E, I)
            NDArray bDown, // its bias (E)
            int window) {} // sliding window of this layer, 0 = full causal attention

    private final ModelConfig config;
    private final NDManager[] weights; // per device of the plan: that device's weights
    private final Rounding rounding; // to the compute dtype; NONE in float32
    private final Products products; // how matrix products of rounded inputs are summed
    private final NDArray embedTokens; // model.embed_tokens (V, E), on the first device
    private final Layer[] layers;
    private final LayerPlan plan;
    private final int[] deviceOf; // per layer: its device's index in the plan

    private Decoder(
            ModelConfig config,
            NDManager[] weights,
            Rounding rounding,
            NDArray embedTokens,
            Layer[] layers,
            LayerPlan plan) {
        this.config = config;
        this.weights = weights;
        this.rounding = rounding;
        this.products = new Products(rounding);
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.plan = plan;
        this.deviceOf = new int[layers.length];
        for (int l = 0; l < layers.length; l++) {
            deviceOf[l] = plan.deviceOf(l);
        }
    }

    // ---------------------------------------------------------------- loading

    /** A tensor the config implies, with its expected shape; {@code used} ones are loaded. */
    public record Expected(String name, long[] shape, boolean used) {}

    /** Every tensor the config implies, in load order. */
    public static List<Expected> expectedTensors(ModelConfig c) {
        Family f = Family.of(c);
        long e = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long i = c.intermediateSize();
        List<Expected> out = new ArrayList<>();
        out.add(new Expected("model.embed_tokens.weight", new long[] {c.vocabSize(), e}, true));
        for (int l = 0; l < c.numLayers(); l++) {
            out.add(new Expected(Family.layer(l, "input_layernorm.weight"), new long[] {e}, true));
            out.add(new Expected(Family.layer(l, "self_attn.q_proj.weight"), new long[] {q, e}, true));
            out.add(new Expected(Family.layer(l, "self_attn.k_proj.weight"), new long[] {kv, e}, true));
            out.add(new Expected(Family.layer(l, "self_attn.v_proj.weight"), new long[] {kv, e}, true));
            if (f.qkvBias(c)) {
                out.add(new Expected(Family.layer(l, "self_attn.q_proj.bias"), new long[] {q}, true));
                out.add(new Expected(Family.layer(l, "self_attn.k_proj.bias"), new long[] {kv}, true));
                out.add(new Expected(Family.layer(l, "self_attn.v_proj.bias"), new long[] {kv}, true));
            }
            out.add(new Expected(Family.layer(l, "self_attn.o_proj.weight"), new long[] {e, q}, true));
            if (f.outputBias(c)) {
                out.add(new Expected(Family.layer(l, "self_attn.o_proj.bias"), new long[] {e}, true));
            }
            out.add(new Expected(Family.layer(l, "post_attention_layernorm.weight"), new long[] {e}, true));
            out.add(new Expected(Family.layer(l, "mlp.gate_proj.weight"), new long[] {i, e}, true));
            out.add(new Expected(Family.layer(l, "mlp.up_proj.weight"), new long[] {i, e}, true));
            out.add(new Expected(Family.layer(l, "mlp.down_proj.weight"), new long[] {e, i}, true));
            if (f.mlpBias(c)) {
                out.add(new Expected(Family.layer(l, "mlp.gate_proj.bias"), new long[] {i}, true));
                out.add(new Expected(Family.layer(l, "mlp.up_proj.bias"), new long[] {i}, true));
                out.add(new Expected(Family.layer(l, "mlp.down_proj.bias"), new long[] {e}, true));
            }
        }
        out.add(new Expected("model.norm.weight", new long[] {e}, false));
        if (!c.tiedEmbeddings()) {
            out.add(new Expected("lm_head.weight", new long[] {c.vocabSize(), e}, false));
        }
        return out;
    }

    /** Checks that every implied tensor is present with its shape and a loadable dtype. */
    public static void validate(ModelConfig c, WeightStore store, String where) throws ModelException {
        for (Expected x : expectedTensors(c)) {
            TensorInfo t = store.tensors().get(x.name());
            if (t == null) {
                throw new ModelException(where + ": tensor '" + x.name() + "' is missing (expected shape "
                        + Arrays.toString(x.shape()) + ")");
            }
            if (!Arrays.equals(t.shape(), x.shape())) {
                throw new ModelException(t.file().path() + ": tensor '" + x.name() + "' has shape " + t.shapeString()
                        + ", expected " + Arrays.toString(x.shape()) + " from config.json");
            }
            if (x.used() && !dev.territory.engine.weights.StorageDtype.loadable(t.dtype())) {
                throw new ModelException(t.file().path() + ": tensor '" + x.name() + "' has dtype " + t.dtype()
                        + " (supported: F32, BF16, F16)");
            }
        }
    }

    /** Bytes of the embedding table in a dtype of {@code bytesPerElement} bytes. */
    public static long embeddingBytes(ModelConfig c, int bytesPerElement) {
        return (long) c.vocabSize() * c.hiddenSize() * bytesPerElement;
    }

    /** Bytes of each decoder layer's used weights (biases included) in a dtype of {@code bytesPerElement} bytes. */
    public static long[] layerBytes(ModelConfig c, int bytesPerElement) {
        List<Expected> all = expectedTensors(c);
        long[] out = new long[c.numLayers()];
        for (int l = 0; l < out.length; l++) {
            String prefix = Family.layer(l, ""); // "model.layers.1." does not match layer 10's names
            for (Expected x : all) {
                if (x.used() && x.name().startsWith(prefix)) {
                    out[l] += Arrays.stream(x.shape()).reduce(1, (a, b) -> a * b) * bytesPerElement;
                }
            }
        }
        return out;
    }

    /**
     * Loads the used weights as float32 arrays of values rounded to {@code dtype}, as {@code plan}
     * places them: the weights of device d into a new sub-manager of {@code devices.get(d)}, the
     * manager of that device.
     */
    public static Decoder load(
            ModelConfig c, WeightStore store, List<NDManager> devices, LayerPlan plan, ComputeDtype dtype)
            throws ModelException {
        Rounding rounding = Rounding.of(dtype);
        if (devices.size() != plan.devices().size()) {
            throw new IllegalArgumentException(devices.size() + " device managers for a plan of "
                    + plan.devices().size() + " devices: " + plan);
        }
        NDManager[] managers = new NDManager[devices.size()];
        try {
            for (int d = 0; d < managers.length; d++) {
                managers[d] = devices.get(d).newSubManager();
            }
            Family f = Family.of(c);
            NDArray embed = store.load("model.embed_tokens.weight", managers[0], rounding);
            Layer[] layers = new Layer[c.numLayers()];
            for (int l = 0; l < layers.length; l++) {
                final int li = l;
                final NDManager m = managers[plan.deviceOf(l)]; // this layer's device
                Loader w = name -> store.load(Family.layer(li, name), m, rounding);
                Loader b = name -> store.load(Family.layer(li, name), m, rounding);
                boolean qkvb = f.qkvBias(c);
                boolean ob = f.outputBias(c);
                boolean mb = f.mlpBias(c);
                layers[l] = new Layer(
                        w.get("input_layernorm.weight"),
                        w.get("self_attn.q_proj.weight"),
                        qkvb ? b.get("self_attn.q_proj.bias") : null,
                        w.get("self_attn.k_proj.weight"),
                        qkvb ? b.get("self_attn.k_proj.bias") : null,
                        w.get("self_attn.v_proj.weight"),
                        qkvb ? b.get("self_attn.v_proj.bias") : null,
                        w.get("self_attn.o_proj.weight"),
                        ob ? b.get("self_attn.o_proj.bias") : null,
                        w.get("post_attention_layernorm.weight"),
                        w.get("mlp.gate_proj.weight"),
                        mb ? b.get("mlp.gate_proj.bias") : null,
                        w.get("mlp.up_proj.weight"),
                        mb ? b.get("mlp.up_proj.bias") : null,
                        w.get("mlp.down_proj.weight"),
                        mb ? b.get("mlp.down_proj.bias") : null,
                        c.windowOf(l));
            }
            return new Decoder(c, managers, rounding, embed, layers, plan);
        } catch (ModelException | RuntimeException e) {
            closeAll(managers);
            throw e;
        }
    }

    @FunctionalInterface
    private interface Loader {
        NDArray get(String name) throws ModelException;
    }

    // ---------------------------------------------------------------- forward

    /**
     * Runs the decoder over one batch, handing every chunk of attention probabilities to
     * {@code observer} (null: a plain forward pass).
     *
     * @param scope manager of this batch; everything created here is freed by it or earlier
     * @param inputIds (B, T) int64 token ids
     * @param attentionMask (B, T) 1 = real token, 0 = padding
     * @param chunk query rows per attention chunk (1..T)
     * @return (B, T, E) hidden states after the last layer (before the final norm)
     */
    public NDArray forward(
            NDManager scope, long[][] inputIds, int[][] attentionMask, AttentionObserver observer, int chunk) {
        int b = inputIds.length;
        int t = inputIds[0].length;
        // embeddings: x = embed_tokens(input_ids)
        NDArray ids = scope.create(flatten(inputIds)); // (B*T)
        NDArray rows = embedTokens.get(new NDIndex("{}", ids)); // (B*T, E), created in the weights' manager
        rows.attach(scope);
        NDArray x = rows.reshape(b, t, config.hiddenSize()); // (B*T, E) -> (B, T, E)
        // key padding: keys whose attention_mask is 0 are masked for every query
        NDArray keyReal =
                scope.create(flatten(attentionMask)).reshape(b, 1, 1, t).gt(0); // (B, 1, 1, T) bool
        int keyLimit = keyLimit(attentionMask);
        // RoPE tables for positions 0..T-1 (right padding: position_ids = arange(T))
        // computed in float32, then cast to the dtype (HF: cos.to(x.dtype), sin.to(x.dtype))
        float[][] cs = Rope.tables(config.rope(), config.headDim(), t);
        for (float[] table : cs) {
            for (int i = 0; i < table.length; i++) {
                table[i] = rounding.round(table[i]);
            }
        }
        NDArray cos = scope.create(cs[0], new Shape(t, config.headDim())); // (T, D)
        NDArray sin = scope.create(cs[1], new Shape(t, config.headDim())); // (T, D)
        // the same tables on every further device that holds layers: copied once per forward, not per layer
        NDArray[][] tables = new NDArray[weights.length][]; // per device: keyReal (B, 1, 1, T), cos (T, D), sin (T, D)
        tables[0] = new NDArray[] {keyReal, cos, sin};
        for (int d = 1; d < weights.length; d++) {
            if (plan.devices().get(d).layerCount() > 0) {
                tables[d] =
                        new NDArray[] {toDevice(keyReal, d, scope), toDevice(cos, d, scope), toDevice(sin, d, scope)};
            }
        }
        int on = 0; // device of the residual stream: the embedding's
        for (int l = 0; l < layers.length; l++) {
            int d = deviceOf[l];
            try (NDManager step = scope.newSubManager(weights[d].getDevice())) {
                x.attach(step); // the old residual stream dies with this step
                if (d != on) {
                    x = toDevice(x, d, step); // (B, T, E) to this layer's device
                    on = d;
                }
                NDArray[] tb = tables[d];
                NDArray next = layer(l, step, x, tb[0], keyLimit, tb[1], tb[2], observer, chunk);
                next.attach(scope);
                x = next;
            }
        }
        return x;
    }

    /**
     * {@code a} on device {@code d} of the plan, as a new array freed with {@code owner} (CPU
     * stand-ins share one device: then a new handle, maybe on the same storage; it is only read).
     */
    private NDArray toDevice(NDArray a, int d, NDManager owner) {
        NDArray moved = a.toDevice(weights[d].getDevice(), true);
        moved.attach(owner);
        return moved;
    }

    /**
     * Keys at or beyond this index are padding in every prompt of the batch, so every query masks
     * them. T when some prompt's first key is padding: a query row could then mask every key, and
     * HF's softmax spreads such a row over all T keys, which only the full width reproduces.
     */
    static int keyLimit(int[][] attentionMask) {
        int limit = 1;
        for (int[] row : attentionMask) {
            if (row[0] == 0) {
                return row.length;
            }
            for (int j = row.length - 1; j >= limit; j--) {
                if (row[j] != 0) {
                    limit = j + 1;
                    break;
                }
            }
        }
        return limit;
    }

    private NDArray layer(
            int l,
            NDManager step,
            NDArray x,
            NDArray keyReal,
            int keyLimit,
            NDArray cos,
            NDArray sin,
            AttentionObserver observer,
            int chunk) {
        Layer w = layers[l];
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int h = config.numHeads();
        int kv = config.numKvHeads();
        int g = h / kv;
        int d = config.headDim();

        // Each block (attention, then FFN) runs in a scope of its own: what the block computes from x
        // is created there and freed when it ends, so a layer's peak memory is its larger block's,
        // not the sum of both (at T = 16384: about 1 GB less with the llama31-small bench model).
        NDArray x1;
        try (NDManager block = step.newSubManager()) {
            x.tempAttach(block); // back to step when the block closes
            // attention rmsnorm
            NDArray hs = rmsNorm(x, w.inputNorm()); // (B, T, E)

            // qkv projections: (B, T, E) -> (B, T, N*D) -> (B, T, N, D) -> (B, N, T, D)
            NDArray q =
                    r(products.linear(hs, w.wq(), w.bq())).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            NDArray k =
                    r(products.linear(hs, w.wk(), w.bk())).reshape(b, t, kv, d).transpose(0, 2, 1, 3); // (B, KV, T, D)
            NDArray v =
                    r(products.linear(hs, w.wv(), w.bv())).reshape(b, t, kv, d).transpose(0, 2, 1, 3); // (B, KV, T, D)

            // RoPE: q * cos + rotate_half(q) * sin
            q = rope(q, cos, sin);
            k = rope(k, cos, sin);

            // attention, query rows in chunks of C; GQA without copying K/V: query head h = kv * G + g
            // (HF repeat_kv), so (B, H, C, D) -> (B, KV, G*C, D) meets k^T (B, KV, D, K) directly.
            // Only keys [0, K) are computed, K = min(last row of the chunk + 1, keyLimit): every later key
            // is masked for every row of the chunk (causal, or padding in all prompts), so its weight is
            // exactly 0 in HF's full-width softmax too, and the observer sees those columns as zeros.
            float scale = (float) Math.pow(d, -0.5); // HF: scaling = head_dim ** -0.5
            // a power-of-two scale commutes exactly with float32 and bfloat16 rounding: apply it to q
            // (B, H, T, D) instead of to every chunk's scores (B, H, C, K), as HF does (float16's
            // narrow range could underflow small scores to its subnormals)
            boolean scaleQuery = rounding != Rounding.FLOAT16 && scale == Math.scalb(1f, Math.getExponent(scale));
            if (scaleQuery) {
                q = q.mul(scale);
            }
            NDList outputs = new NDList();
            for (int c0 = 0; c0 < t; c0 += chunk) {
                int c = (int) Math.min(chunk, t - c0);
                int keys = keyWidth(Math.min(c0 + c, keyLimit), (int) t);
                try (NDManager cm = block.newSubManager()) {
                    NDArray qc = c == t ? q : q.get(new NDIndex(":, :, {}:{}, :", c0, c0 + c)); // (B, H, C, D)
                    qc.attach(cm); // NB: when c == t, q itself moves into this chunk's scope
                    NDArray kc = keys == t ? k : local(k.get(new NDIndex(":, :, :{}, :", keys)), cm); // (B, KV, K, D)
                    NDArray vc = keys == t ? v : local(v.get(new NDIndex(":, :, :{}, :", keys)), cm); // (B, KV, K, D)
                    NDArray scores = r(products.matMul(
                                    qc.reshape(b, kv, (long) g * c, d), kc.transpose(0, 1, 3, 2))) // (B, KV, G*C, K)
                            .reshape(b, h, c, keys); // (B, H, C, K)
                    if (!scaleQuery) {
                        scores = r(
                                scores.muli(scale)); // in place, as are the next steps: the chunk's big arrays are few
                    }
                    // softmax in float32, as torch's kernels: exp(s - max) / sum(exp(s - max))
                    NDArray s32 = scores;
                    NDArray keyRealC =
                            keys == t ? keyReal : local(keyReal.get(new NDIndex("..., :{}", keys)), cm); // (B, 1, 1, K)
                    s32.addi(mask(cm, keyRealC, c0, c, keys, w.window())); // + (B, 1, C, K): 0 or finfo(float32).min
                    s32.subi(s32.max(new int[] {-1}, true));
                    NDArray probs = s32.exp(); // (B, H, C, K) float32
                    probs.divi(rowSums(probs));
                    // HF: .to(query.dtype): these rounded weights are the notebook's attentions and multiply V
                    NDArray p = rounding.round(probs); // (B, H, C, K), exact down to bfloat16's subnormals
                    if (observer != null) {
                        observer.onChunk(l, c0, p);
                    }
                    NDArray oc = r(products.matMul(p.reshape(b, kv, (long) g * c, keys), vc)) // (B, KV, G*C, D)
                            .reshape(b, h, c, d); // (B, H, C, D)
                    oc.attach(block); // freed with the attention block
                    outputs.add(oc);
                }
            }
            NDArray attn = (outputs.size() == 1 ? outputs.get(0) : NDArrays.concat(outputs, 2)) // (B, H, T, D)
                    .transpose(0, 2, 1, 3) // (B, T, H, D)
                    .reshape(b, t, (long) h * d); // (B, T, H*D)

            // output projection and residual connection
            x1 = r(x.add(r(products.linear(attn, w.wo(), w.bo())))); // (B, T, E)
            x1.attach(step);
        }

        try (NDManager block = step.newSubManager()) {
            x1.tempAttach(block);
            // ffn rmsnorm, SwiGLU: down(silu(gate(x)) * up(x)), residual connection
            NDArray h2 = rmsNorm(x1, w.postNorm()); // (B, T, E)
            NDArray gate = r(products.linear(h2, w.wGate(), w.bGate())); // (B, T, I)
            NDArray up = r(products.linear(h2, w.wUp(), w.bUp())); // (B, T, I)
            // silu(gate) * up, silu(x) = x / (1 + exp(-x)) in float32, rounded once as torch's silu:
            // the same operations in place, each (B, T, I) temporary freed when used
            NDArray negated = gate.neg();
            NDArray denominator = negated.exp(); // exp(-gate)
            negated.close();
            denominator.addi(1f); // 1 + exp(-gate)
            NDArray silu = r(gate.divi(denominator));
            denominator.close();
            NDArray act = r(silu.muli(up));
            up.close();
            NDArray out = r(x1.add(r(products.linear(act, w.wDown(), w.bDown())))); // (B, T, E)
            out.attach(step);
            return out;
        }
    }

    /** {@code slice}, moved into the chunk's manager so that it dies with the chunk (slices are made in their source's). */
    private static NDArray local(NDArray slice, NDManager chunk) {
        slice.attach(chunk);
        return slice;
    }

    /** Keys summed as one block by {@link #rowSums}. */
    static final int KEY_BLOCK = 64;

    /** The chunk's key width: {@code needed} rounded up to whole {@link #KEY_BLOCK}s, at most T. */
    static int keyWidth(int needed, int t) {
        return (int) Math.min(t, ((long) needed + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK);
    }

    /**
     * Softmax denominators (B, H, C, K) -> (B, H, C, 1), bit for bit the same whatever the width K
     * (a {@link #keyWidth}) and so the same for every chunk size and batch: each block of 64 keys is
     * summed alone, then the block sums in order (torch's CPU cumsum: sequential, double accumulator),
     * where trailing blocks of masked keys add exact zeros. A plain sum's order depends on K, and
     * the last bit of a denominator decides whether a tiny weight rounds to 0, which the e11-v3
     * count of non-zero weights sees.
     */
    static NDArray rowSums(NDArray weights) {
        Shape shape = weights.getShape();
        long k = shape.get(3);
        long full = k / KEY_BLOCK;
        long tail = k % KEY_BLOCK;
        if (full == 0) {
            return weights.sum(new int[] {-1}, true);
        }
        NDArray head = tail == 0 ? weights : weights.get(new NDIndex("..., :{}", full * KEY_BLOCK));
        NDArray blocks = head.reshape(shape.get(0), shape.get(1), shape.get(2), full, KEY_BLOCK)
                .sum(new int[] {-1}); // (B, H, C, K/64)
        if (tail > 0) {
            blocks = blocks.concat(
                    weights.get(new NDIndex("..., {}:", full * KEY_BLOCK)).sum(new int[] {-1}, true), -1);
        }
        return blocks.cumSum(-1).get(new NDIndex("..., -1:")); // (B, H, C, 1)
    }

    /**
     * The additive attention mask of query rows [c0, c0 + C) over keys [0, t): 0 where key j is
     * visible (j <= i, key not padding, and i - j < window when the layer has a sliding window),
     * finfo.min elsewhere. {@code keyReal} is (B, 1, 1, t).
     */
    static NDArray mask(NDManager cm, NDArray keyReal, int c0, int c, int t, int window) {
        NDArray rows = cm.arange(c0, c0 + c).reshape(c, 1); // (C, 1) query positions
        NDArray cols = cm.arange(0, t).reshape(1, t); // (1, T) key positions
        NDArray visible = cols.lte(rows); // causal (C, T)
        if (window > 0) {
            visible = visible.logicalAnd(rows.sub(cols).lt(window)); // HF: kv_idx > q_idx - sliding_window
        }
        NDArray allowed = visible.reshape(1, 1, c, t).logicalAnd(keyReal); // (B, 1, C, T)
        return allowed.logicalNot().toType(DataType.FLOAT32, false).mul(MASKED);
    }

    /**
     * An activation rounded to the compute dtype (consumed; itself in float32): see {@link
     * Rounding#roundNormal}, exact but for values below 2^-126, which no later step can see.
     */
    private NDArray r(NDArray x) {
        return rounding.roundNormal(x);
    }

    /**
     * HF LlamaRMSNorm: in float32, x * rsqrt(mean(x^2) + eps), back to the dtype, times weight
     * (rounded). torch computes rsqrt as 1 / sqrt(v) and multiplies: x / sqrt(v) differs from it in
     * the last float32 bit often enough to flip a bfloat16 rounding of the norm's output now and then.
     */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.mul(x).mean(new int[] {-1}, true); // (B, T, 1)
        NDArray inverse = variance.add((float) config.rmsNormEps()).sqrt().pow(-1); // (B, T, 1) torch: 1 / sqrt
        NDArray normed = x.mul(inverse);
        return r(r(normed).mul(weight));
    }

    /** q * cos + rotate_half(q) * sin, rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2]); each product and the sum rounded. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        long d = x.getShape().get(3);
        NDArray x1 = x.get(new NDIndex("..., :{}", d / 2));
        NDArray x2 = x.get(new NDIndex("..., {}:", d / 2));
        NDArray rotated = x2.neg().concat(x1, -1);
        return r(r(x.mul(cos)).addi(r(rotated.mul(sin))));
    }

    private static long[] flatten(long[][] a) {
        return Arrays.stream(a).flatMapToLong(Arrays::stream).toArray();
    }

    private static int[] flatten(int[][] a) {
        return Arrays.stream(a).flatMapToInt(Arrays::stream).toArray();
    }

    /** Where the weights are: which device holds the embedding and which layers. */
    public LayerPlan plan() {
        return plan;
    }

    /** The manager holding the weights of {@code layer} (tests check the placement with it). */
    NDManager managerOf(int layer) {
        return layers[layer].wq().getManager();
    }

    private static void closeAll(NDManager[] managers) {
        for (NDManager m : managers) {
            if (m != null) {
                m.close();
            }
        }
    }

    @Override
    public void close() {
        closeAll(weights);
    }
}
