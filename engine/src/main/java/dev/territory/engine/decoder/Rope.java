package dev.territory.engine.decoder;

import dev.territory.engine.config.RopeConfig;

/**
 * Rotary embedding tables as Hugging Face computes them ({@code LlamaRotaryEmbedding} and
 * {@code _compute_llama3_parameters}), in float32 step by step as torch does:
 * {@code inv_freq = 1 / theta^(arange(0, D, 2) / D)}, llama3 scaling of the low and medium
 * frequencies, {@code emb = cat(freqs, freqs)}: entry j and j + D/2 share one frequency
 * (rotate-half pairing, https://github.com/huggingface/transformers/issues/25199).
 */
public final class Rope {
    private Rope() {}

    /** Inverse frequencies, length D/2. */
    public static float[] inverseFrequencies(RopeConfig rope, int headDim) {
        int half = headDim / 2;
        float[] inv = new float[half];
        float base = (float) rope.theta();
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float pow = (float) Math.pow(base, exponent);
            inv[i] = 1f / pow;
        }
        if (rope.type().equals("llama3")) {
            float factor = (float) rope.factor();
            float low = (float) rope.lowFreqFactor();
            float high = (float) rope.highFreqFactor();
            double old = rope.originalMaxPositions();
            float lowFreqWavelen = (float) (old / rope.lowFreqFactor());
            float highFreqWavelen = (float) (old / rope.highFreqFactor());
            float span = (float) (rope.highFreqFactor() - rope.lowFreqFactor());
            for (int i = 0; i < half; i++) {
                float wavelen = (1f / inv[i]) * (float) (2 * Math.PI);
                float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
                float smooth = ((1f / wavelen) * (float) old - low) / span;
                float smoothed = (1f - smooth) * scaled / factor + smooth * scaled;
                boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
                inv[i] = medium ? smoothed : scaled;
            }
            // 'high' is used only through highFreqWavelen and span, as in transformers
            assert high > low;
        }
        return inv;
    }

    /**
     * cos and sin tables for positions 0..T-1: {@code [0]} is cos, {@code [1]} is sin, each
     * (T, D) row-major with column j using frequency j mod D/2.
     */
    public static float[][] tables(RopeConfig rope, int headDim, int tokens) {
        float[] inv = inverseFrequencies(rope, headDim);
        int half = headDim / 2;
        float[] cos = new float[tokens * headDim];
        float[] sin = new float[tokens * headDim];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) t * inv[j];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[t * headDim + j] = c;
                cos[t * headDim + j + half] = c;
                sin[t * headDim + j] = s;
                sin[t * headDim + j + half] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
