package dev.territory.engine.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the engine needs from a Hugging Face {@code config.json}, one field per HF key (defaults as
 * in transformers' LlamaConfig / MistralConfig / Qwen2Config).
 *
 * @param modelType {@code model_type}: llama, mistral or qwen2
 * @param hiddenSize {@code hidden_size} (E)
 * @param numLayers {@code num_hidden_layers} (L)
 * @param numHeads {@code num_attention_heads} (H)
 * @param numKvHeads {@code num_key_value_heads} (KV), default H
 * @param headDim {@code head_dim} (D), default E / H
 * @param intermediateSize {@code intermediate_size} (I)
 * @param vocabSize {@code vocab_size} (V): rows of the embedding, may exceed the tokenizer's ids
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param rmsNormEps {@code rms_norm_eps}
 * @param rope RoPE frequencies from {@code rope_parameters} or {@code rope_theta} + {@code rope_scaling}
 * @param tiedEmbeddings {@code tie_word_embeddings}
 * @param attentionBias {@code attention_bias} (llama: biases on q/k/v/o)
 * @param mlpBias {@code mlp_bias} (llama: biases on gate/up/down)
 * @param slidingWindow {@code sliding_window} when the family uses it, else null
 * @param slidingLayers per layer: whether the sliding window applies (qwen2: {@code layer_types} or
 *     {@code use_sliding_window} + {@code max_window_layers})
 * @param eosTokenId first of {@code eos_token_id} (fallback when the tokenizer names none)
 * @param padTokenId {@code pad_token_id} or null
 */
public record ModelConfig(
        String modelType,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        RopeConfig rope,
        boolean tiedEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        Integer slidingWindow,
        boolean[] slidingLayers,
        Integer eosTokenId,
        Integer padTokenId) {

    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("llama", "mistral", "qwen2");

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** {@code dir/config.json}, refused when missing (the commands check this before anything loads). */
    public static Path file(Path dir) throws ModelException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(file + ": missing (a Hugging Face model directory needs config.json)");
        }
        return file;
    }

    /** Reads and validates {@code dir/config.json}. */
    public static ModelConfig read(Path dir) throws ModelException {
        Path file = file(dir);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelException(file + ": not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": not a JSON object");
        }
        return parse(root, file.toString());
    }

    static ModelConfig parse(JsonNode root, String where) throws ModelException {
        String modelType = root.path("model_type").asText(null);
        if (modelType == null || !SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new ModelException(where + ": model_type '" + modelType + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED_MODEL_TYPES) + ")");
        }
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelException(where + ": hidden_act '" + act + "' is not supported (supported: silu)");
        }
        int hidden = positiveInt(root, "hidden_size", where, null);
        int layers = positiveInt(root, "num_hidden_layers", where, null);
        int heads = positiveInt(root, "num_attention_heads", where, null);
        int kvHeads = positiveInt(root, "num_key_value_heads", where, heads);
        int intermediate = positiveInt(root, "intermediate_size", where, null);
        int vocab = positiveInt(root, "vocab_size", where, null);
        int maxPos = positiveInt(root, "max_position_embeddings", where, 2048);
        if (hidden % heads != 0) {
            throw new ModelException(
                    where + ": num_attention_heads " + heads + " does not divide hidden_size " + hidden);
        }
        if (heads % kvHeads != 0) {
            throw new ModelException(
                    where + ": num_key_value_heads " + kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = positiveInt(root, "head_dim", where, hidden / heads);
        if (headDim % 2 != 0) {
            throw new ModelException(
                    where + ": head_dim " + headDim + " is odd (rotary embeddings need an even head_dim)");
        }
        double eps = root.path("rms_norm_eps").asDouble(1e-6);
        RopeConfig rope = RopeConfig.parse(root, where);

        boolean tied = root.path("tie_word_embeddings").asBoolean(false);
        boolean attnBias = root.path("attention_bias").asBoolean(false);
        boolean mlpBias = root.path("mlp_bias").asBoolean(false);

        Integer window = null;
        boolean[] sliding = new boolean[layers];
        JsonNode sw = root.get("sliding_window");
        if (modelType.equals("mistral") || modelType.equals("qwen2")) {
            if (sw != null && !sw.isNull()) {
                if (!sw.canConvertToInt() || sw.asInt() < 1) {
                    throw new ModelException(where + ": sliding_window must be a positive integer, got " + sw);
                }
                window = sw.asInt();
            }
        }
        if (window != null && modelType.equals("qwen2")) {
            // Qwen2Config: the window is used only with use_sliding_window, on layers >= max_window_layers
            // (or where layer_types says "sliding_attention").
            boolean use = root.path("use_sliding_window").asBoolean(false);
            JsonNode types = root.get("layer_types");
            if (types != null && types.isArray() && types.size() == layers) {
                for (int i = 0; i < layers; i++) {
                    sliding[i] = types.get(i).asText().equals("sliding_attention");
                }
            } else if (use) {
                int maxWindowLayers = root.path("max_window_layers").asInt(28);
                for (int i = maxWindowLayers; i < layers; i++) {
                    sliding[i] = true;
                }
            }
            boolean any = false;
            for (boolean b : sliding) {
                any |= b;
            }
            if (!use && (types == null || !any)) {
                window = null;
            }
        } else if (window != null) {
            java.util.Arrays.fill(sliding, true);
        }
        Integer eos = firstInt(root.get("eos_token_id"));
        Integer pad = firstInt(root.get("pad_token_id"));
        return new ModelConfig(
                modelType,
                hidden,
                layers,
                heads,
                kvHeads,
                headDim,
                intermediate,
                vocab,
                maxPos,
                eps,
                rope,
                tied,
                attnBias,
                mlpBias,
                window,
                sliding,
                eos,
                pad);
    }

    /** Sliding window of layer {@code layer}, or 0 for full attention. */
    public int windowOf(int layer) {
        return slidingWindow != null && slidingLayers[layer] ? slidingWindow : 0;
    }

    private static int positiveInt(JsonNode root, String key, String where, Integer dflt) throws ModelException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new ModelException(where + ": " + key + " is missing");
            }
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
            throw new ModelException(where + ": " + key + " must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static Integer firstInt(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isArray()) {
            return n.size() > 0 && n.get(0).canConvertToInt() ? n.get(0).asInt() : null;
        }
        return n.canConvertToInt() ? n.asInt() : null;
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse(s);
    }
}
