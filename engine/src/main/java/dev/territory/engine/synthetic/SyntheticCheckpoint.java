package dev.territory.engine.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes seeded random Hugging Face checkpoints (config.json, safetensors, the byte-level BPE
 * tokenizer of the parity fixtures, bundled as a resource) and keeps the weights as stored
 * (bf16-rounded when stored as BF16), so tests can compare the engine with an independent
 * reference decoder and benchmarks can make Llama-3.1-shaped models without downloading any.
 */
public final class SyntheticCheckpoint {

    /** What to generate. */
    public static final class Spec {
        public String modelType = "llama";
        public int hidden = 64;
        public int layers = 2;
        public int heads = 4;
        public int kvHeads = 2;
        public Integer headDim = null;
        public int intermediate = 96;
        public int vocab = 1024;
        public boolean tied = false;
        public boolean ropeParameters = false; // transformers 5 key instead of rope_theta/rope_scaling
        public String ropeType = "default";
        public double ropeTheta = 10000;
        public Integer slidingWindow = null;
        public boolean useSlidingWindow = false; // qwen2
        public String dtype = "F32"; // F32, BF16 or F16
        public int shards = 1;
        public double qkGain = 1.0;
        public long seed = 1;
        public int maxPositions = 4096;

        public int headDim() {
            return headDim != null ? headDim : hidden / heads;
        }
    }

    public final Spec spec;
    public final Path dir;
    public final Map<String, float[]> weights = new LinkedHashMap<>();
    public final Map<String, long[]> shapes = new LinkedHashMap<>();

    private SyntheticCheckpoint(Spec spec, Path dir) {
        this.spec = spec;
        this.dir = dir;
    }

    public static SyntheticCheckpoint write(Spec s, Path dir) throws IOException {
        SyntheticCheckpoint c = new SyntheticCheckpoint(s, dir);
        c.generate();
        c.writeFiles();
        return c;
    }

    private void generate() {
        Random r = new Random(spec.seed);
        int e = spec.hidden;
        int d = spec.headDim();
        int q = spec.heads * d;
        int kv = spec.kvHeads * d;
        int i = spec.intermediate;
        boolean qkvBias = spec.modelType.equals("qwen2");
        add("model.embed_tokens.weight", r, 1.0, 0, spec.vocab, e);
        for (int l = 0; l < spec.layers; l++) {
            String p = "model.layers." + l + ".";
            add(p + "input_layernorm.weight", r, 0.2, 1.0, e);
            add(p + "self_attn.q_proj.weight", r, spec.qkGain * 2 / Math.sqrt(e), 0, q, e);
            add(p + "self_attn.k_proj.weight", r, spec.qkGain * 2 / Math.sqrt(e), 0, kv, e);
            add(p + "self_attn.v_proj.weight", r, 1 / Math.sqrt(e), 0, kv, e);
            if (qkvBias) {
                add(p + "self_attn.q_proj.bias", r, 0.5, 0, q);
                add(p + "self_attn.k_proj.bias", r, 0.5, 0, kv);
                add(p + "self_attn.v_proj.bias", r, 0.5, 0, kv);
            }
            add(p + "self_attn.o_proj.weight", r, 1 / Math.sqrt(q), 0, e, q);
            add(p + "post_attention_layernorm.weight", r, 0.2, 1.0, e);
            add(p + "mlp.gate_proj.weight", r, 1 / Math.sqrt(e), 0, i, e);
            add(p + "mlp.up_proj.weight", r, 1 / Math.sqrt(e), 0, i, e);
            add(p + "mlp.down_proj.weight", r, 1 / Math.sqrt(i), 0, e, i);
        }
        add("model.norm.weight", r, 0.2, 1.0, e);
        if (!spec.tied) {
            add("lm_head.weight", r, 1 / Math.sqrt(e), 0, spec.vocab, e);
        }
    }

    private void add(String name, Random r, double scale, double offset, long... shape) {
        long n = 1;
        for (long x : shape) {
            n *= x;
        }
        float[] w = new float[(int) n];
        for (int k = 0; k < w.length; k++) {
            float v = (float) (offset + scale * (2 * r.nextDouble() - 1) * Math.sqrt(3));
            w[k] = switch (spec.dtype) {
                case "BF16" -> Float.intBitsToFloat(bf16(v) << 16);
                case "F16" -> dev.territory.engine.weights.WeightStore.halfToFloat(f16(v));
                default -> v;
            };
        }
        weights.put(name, w);
        shapes.put(name, shape);
    }

    /** float32 to bfloat16 bits, round to nearest even. */
    public static int bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    /** float32 to float16 bits for the moderate values generated here (normal range, round to nearest). */
    public static short f16(float v) {
        if (v == 0) {
            return 0;
        }
        int bits = Float.floatToRawIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        int mant = bits & 0x7FFFFF;
        if (exp <= 0) {
            return (short) sign; // too small for these tests: flush
        }
        int h = sign | (exp << 10) | (mant >>> 13);
        if ((mant & 0x1FFF) > 0x1000 || ((mant & 0x1FFF) == 0x1000 && (h & 1) == 1)) {
            h++;
        }
        return (short) h;
    }

    private void writeFiles() throws IOException {
        Files.createDirectories(dir);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            try (InputStream in = SyntheticCheckpoint.class.getResourceAsStream(file)) {
                if (in == null) {
                    throw new IOException("resource " + file + " is missing from the engine jar");
                }
                Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ObjectMapper json = new ObjectMapper();
        Files.writeString(
                dir.resolve("config.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(config(json)));
        List<String> names = new ArrayList<>(weights.keySet());
        if (spec.shards == 1) {
            writeSafetensors(dir.resolve("model.safetensors"), names, spec.dtype);
            return;
        }
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        int per = (names.size() + spec.shards - 1) / spec.shards;
        for (int s = 0; s < spec.shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, spec.shards);
            List<String> part = names.subList(Math.min(names.size(), s * per), Math.min(names.size(), (s + 1) * per));
            writeSafetensors(dir.resolve(file), part, spec.dtype);
            part.forEach(n -> map.put(n, file));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), json.writeValueAsString(index));
    }

    public ObjectNode config(ObjectMapper json) {
        ObjectNode c = json.createObjectNode();
        c.put("model_type", spec.modelType);
        c.put("hidden_size", spec.hidden);
        c.put("num_hidden_layers", spec.layers);
        c.put("num_attention_heads", spec.heads);
        c.put("num_key_value_heads", spec.kvHeads);
        if (spec.headDim != null) {
            c.put("head_dim", spec.headDim);
        }
        c.put("intermediate_size", spec.intermediate);
        c.put("vocab_size", spec.vocab);
        c.put("max_position_embeddings", spec.maxPositions);
        c.put("rms_norm_eps", 1e-6);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", spec.tied);
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 1);
        if (spec.slidingWindow != null) {
            c.put("sliding_window", spec.slidingWindow);
        }
        if (spec.modelType.equals("qwen2")) {
            c.put("use_sliding_window", spec.useSlidingWindow);
            c.put("max_window_layers", 0);
        }
        ObjectNode rope = spec.ropeParameters ? c.putObject("rope_parameters") : null;
        if (rope != null) {
            rope.put("rope_theta", spec.ropeTheta);
            rope.put("rope_type", spec.ropeType);
        } else {
            c.put("rope_theta", spec.ropeTheta);
        }
        if (spec.ropeType.equals("llama3")) {
            ObjectNode s = rope != null ? rope : c.putObject("rope_scaling");
            s.put("rope_type", "llama3");
            s.put("factor", 8.0);
            s.put("low_freq_factor", 1.0);
            s.put("high_freq_factor", 4.0);
            s.put("original_max_position_embeddings", 64);
        }
        return c;
    }

    private void writeSafetensors(Path file, List<String> names, String dtype) throws IOException {
        int size = dtype.equals("F32") ? 4 : 2;
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (String n : names) {
            ObjectNode t = header.putObject(n);
            t.put("dtype", dtype);
            var shape = t.putArray("shape");
            for (long x : shapes.get(n)) {
                shape.add(x);
            }
            long bytes = (long) weights.get(n).length * size;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        ByteBuffer out =
                ByteBuffer.allocate((int) (8 + h.length + pad + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length + pad).put(h);
        for (int k = 0; k < pad; k++) {
            out.put((byte) ' ');
        }
        for (String n : names) {
            for (float v : weights.get(n)) {
                switch (dtype) {
                    case "BF16" -> out.putShort((short) bf16(v));
                    case "F16" -> out.putShort(f16(v));
                    default -> out.putFloat(v);
                }
            }
        }
        Files.write(file, out.array());
    }
}
