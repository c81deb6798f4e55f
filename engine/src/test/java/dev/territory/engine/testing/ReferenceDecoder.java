package dev.territory.engine.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.territory.engine.entropy.HeadEntropy;
import dev.territory.engine.synthetic.SyntheticCheckpoint;

/**
 * An independent, deliberately plain implementation of the Llama-style forward pass in double
 * arithmetic, one prompt at a time, loops only, reduced to the notebook's e11-v3 entropy by the
 * engine's one {@link HeadEntropy} (the mean weights handed to it as float32, as the engine's).
 * Slow; for small generated checkpoints.
 */
public final class ReferenceDecoder {

    private final SyntheticCheckpoint ckpt;
    private final SyntheticCheckpoint.Spec s;

    public ReferenceDecoder(SyntheticCheckpoint ckpt) {
        this.ckpt = ckpt;
        this.s = ckpt.spec;
    }

    /** entropies[layer][head] for one prompt, given its padded ids and mask. */
    public double[][] entropies(int[] ids, int[] mask) {
        int t = ids.length;
        int e = s.hidden;
        int h = s.heads;
        int kvh = s.kvHeads;
        int d = s.headDim();
        double[][] x = new double[t][];
        float[] emb = w("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            x[i] = new double[e];
            for (int j = 0; j < e; j++) {
                x[i][j] = emb[ids[i] * e + j];
            }
        }
        double[] inv = inverseFrequencies(d);
        float[] means = new float[s.layers * h * t]; // (L, H, T) mean weight per key over all t query rows
        for (int l = 0; l < s.layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] hs = rms(x, w(p + "input_layernorm.weight"));
            double[][] q = linear(hs, w(p + "self_attn.q_proj.weight"), bias(p + "self_attn.q_proj.bias"), h * d);
            double[][] k = linear(hs, w(p + "self_attn.k_proj.weight"), bias(p + "self_attn.k_proj.bias"), kvh * d);
            double[][] v = linear(hs, w(p + "self_attn.v_proj.weight"), bias(p + "self_attn.v_proj.bias"), kvh * d);
            rope(q, h, d, inv);
            rope(k, kvh, d, inv);
            double[][] attn = new double[t][h * d];
            for (int head = 0; head < h; head++) {
                int kv = head / (h / kvh);
                double[] colMean = new double[t];
                for (int i = 0; i < t; i++) {
                    double[] sc = new double[t];
                    boolean[] ok = new boolean[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        ok[j] = j <= i
                                && mask[j] == 1
                                && (s.slidingWindow == null || !windowOn() || i - j < s.slidingWindow);
                        if (ok[j]) {
                            double dot = 0;
                            for (int c = 0; c < d; c++) {
                                dot += q[i][head * d + c] * k[j][kv * d + c];
                            }
                            sc[j] = dot / Math.sqrt(d);
                            max = Math.max(max, sc[j]);
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        sc[j] = ok[j] ? Math.exp(sc[j] - max) : 0;
                        sum += sc[j];
                    }
                    for (int j = 0; j < t; j++) {
                        double prob = sc[j] / sum;
                        colMean[j] += prob / t;
                        for (int c = 0; c < d; c++) {
                            attn[i][head * d + c] += prob * v[j][kv * d + c];
                        }
                    }
                }
                for (int j = 0; j < t; j++) {
                    means[(l * h + head) * t + j] = (float) colMean[j];
                }
            }
            double[][] o = linear(attn, w(p + "self_attn.o_proj.weight"), null, e);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < e; j++) {
                    x[i][j] += o[i][j];
                }
            }
            double[][] h2 = rms(x, w(p + "post_attention_layernorm.weight"));
            double[][] gate = linear(h2, w(p + "mlp.gate_proj.weight"), null, s.intermediate);
            double[][] up = linear(h2, w(p + "mlp.up_proj.weight"), null, s.intermediate);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < s.intermediate; j++) {
                    double g = gate[i][j];
                    gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];
                }
            }
            double[][] down = linear(gate, w(p + "mlp.down_proj.weight"), null, e);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < e; j++) {
                    x[i][j] += down[i][j];
                }
            }
        }
        return normalizedEntropies(means, s.layers, h, t);
    }

    private static double[][] normalizedEntropies(float[] means, int layers, int heads, int t) {
        double[][] out = new double[layers][heads];
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray mean = manager.create(means, new Shape(layers, heads, t));
            double[] e =
                    HeadEntropy.normalized(mean, HeadEntropy.nonZeroCount(mean)).toDoubleArray(); // (L, H)
            for (int l = 0; l < layers; l++) {
                System.arraycopy(e, l * heads, out[l], 0, heads);
            }
        }
        return out;
    }

    private boolean windowOn() {
        return !s.modelType.equals("qwen2") || s.useSlidingWindow;
    }

    /** HF default inverse frequencies and, for llama3, the scaling of the long wavelengths. */
    private double[] inverseFrequencies(int d) {
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(s.ropeTheta, 2.0 * i / d);
            if (s.ropeType.equals("llama3")) {
                double factor = 8, low = 1, high = 4, old = 64;
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > old / low) {
                    inv[i] = inv[i] / factor;
                } else if (wavelen >= old / high) {
                    double smooth = (old / wavelen - low) / (high - low);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** Rotate-half RoPE: pair (c, c + d/2) rotated by angle pos * inv[c]. */
    private static void rope(double[][] x, int heads, int d, double[] inv) {
        for (int pos = 0; pos < x.length; pos++) {
            for (int head = 0; head < heads; head++) {
                for (int c = 0; c < d / 2; c++) {
                    double a = pos * inv[c];
                    double x1 = x[pos][head * d + c];
                    double x2 = x[pos][head * d + c + d / 2];
                    x[pos][head * d + c] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    x[pos][head * d + c + d / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
            }
        }
    }

    private double[][] rms(double[][] x, float[] weight) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ss = 0;
            for (double v : x[i]) {
                ss += v * v;
            }
            double scale = 1 / Math.sqrt(ss / x[i].length + 1e-6);
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] * scale * weight[j];
            }
        }
        return out;
    }

    private static double[][] linear(double[][] x, float[] w, float[] b, int outDim) {
        int in = x[0].length;
        double[][] out = new double[x.length][outDim];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < outDim; o++) {
                double acc = b == null ? 0 : b[o];
                for (int c = 0; c < in; c++) {
                    acc += x[i][c] * w[o * in + c];
                }
                out[i][o] = acc;
            }
        }
        return out;
    }

    private float[] w(String name) {
        return ckpt.weights.get(name);
    }

    private float[] bias(String name) {
        return ckpt.weights.get(name);
    }
}
