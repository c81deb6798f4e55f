package dev.territory.engine.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Tokenizes prompts as the notebook does: {@code tokenizer(prompt, max_length=n, truncation=True,
 * padding='max_length')} with the pad token set to the EOS token when the tokenizer has none.
 * Special tokens (BOS) come from the post-processor of {@code tokenizer.json}; padding is added
 * here, on the side {@code tokenizer_config.json} names (right by default).
 */
public final class PromptTokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path tokenizerJson;
    private final int padId;
    private final boolean padLeft;
    private final Map<Integer, HuggingFaceTokenizer> byMaxLength = new HashMap<>();

    /** A prompt as token ids and attention mask, both of length max_length. */
    public record Tokens(int[] inputIds, int[] attentionMask) {}

    private PromptTokenizer(Path tokenizerJson, int padId, boolean padLeft) {
        this.tokenizerJson = tokenizerJson;
        this.padId = padId;
        this.padLeft = padLeft;
    }

    /**
     * Opens the tokenizer of a model directory.
     *
     * @param configEos {@code eos_token_id} of config.json, the last fallback for the pad token
     * @param familyPad the pad token the family's HF tokenizer class defaults to when
     *     tokenizer_config.json names none (Qwen2Tokenizer: {@code <|endoftext|>}), or null; when it is
     *     not in the vocabulary, transformers adds it as a new token with the next id, and so do we
     */
    public static PromptTokenizer open(Path dir, Integer configEos, String familyPad) throws ModelException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(file + ": missing (the engine needs a Hugging Face fast tokenizer)");
        }
        JsonNode tok = readJson(file);
        TokenizerRegexGuard.check(file, tok); // before the native tokenizer sees a pattern that could abort the JVM
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode modelVocab = tok.path("model").path("vocab");
        if (modelVocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = modelVocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        }
        for (JsonNode added : tok.path("added_tokens")) {
            vocab.put(added.path("content").asText(), added.path("id").asInt());
        }
        JsonNode config = optionalJson(dir.resolve("tokenizer_config.json"));
        JsonNode specials = optionalJson(dir.resolve("special_tokens_map.json"));
        Integer pad = tokenId("pad_token", config, specials, vocab, dir);
        if (pad == null && familyPad != null) {
            pad = vocab.containsKey(familyPad)
                    ? vocab.get(familyPad)
                    : vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        }
        if (pad == null) {
            pad = tokenId("eos_token", config, specials, vocab, dir);
        }
        if (pad == null) {
            pad = configEos;
        }
        if (pad == null) {
            throw new ModelException(dir + ": the tokenizer defines neither a pad nor an eos token "
                    + "(tokenizer_config.json, special_tokens_map.json, config.json eos_token_id)");
        }
        boolean left =
                config != null && config.path("padding_side").asText("right").equals("left");
        PromptTokenizer t = new PromptTokenizer(file, pad, left);
        t.tokenizer(8); // fail now, not at the first prompt, if tokenizer.json cannot be used
        return t;
    }

    /** Encodes one prompt: truncated to {@code maxLength} (special tokens kept), then padded to it. */
    public Tokens encode(String prompt, int maxLength) throws ModelException {
        Encoding enc = tokenizer(maxLength).encode(prompt);
        long[] ids = enc.getIds();
        int n = Math.min(ids.length, maxLength);
        int[] input = new int[maxLength];
        int[] mask = new int[maxLength];
        java.util.Arrays.fill(input, padId);
        int offset = padLeft ? maxLength - n : 0;
        for (int i = 0; i < n; i++) {
            input[offset + i] = Math.toIntExact(ids[i]);
            mask[offset + i] = 1;
        }
        return new Tokens(input, mask);
    }

    private HuggingFaceTokenizer tokenizer(int maxLength) throws ModelException {
        HuggingFaceTokenizer t = byMaxLength.get(maxLength);
        if (t == null) {
            try {
                // DJL caps max_length at its modelMaxLength (default 512) unless told otherwise
                HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder();
                builder.configure(Map.of("modelMaxLength", String.valueOf(maxLength)));
                t = builder.optTokenizerPath(tokenizerJson)
                        .optAddSpecialTokens(true)
                        .optTruncation(true)
                        .optMaxLength(maxLength)
                        .optPadding(false)
                        .build();
            } catch (IOException | RuntimeException e) {
                throw new ModelException(tokenizerJson + ": cannot load tokenizer: " + e.getMessage(), e);
            }
            byMaxLength.put(maxLength, t);
        }
        return t;
    }

    private static Integer tokenId(String key, JsonNode config, JsonNode specials, Map<String, Integer> vocab, Path dir)
            throws ModelException {
        for (JsonNode source : new JsonNode[] {config, specials}) {
            if (source == null) {
                continue;
            }
            JsonNode n = source.get(key);
            if (n == null || n.isNull()) {
                continue;
            }
            String content = n.isObject() ? n.path("content").asText(null) : n.asText(null);
            if (content == null) {
                continue;
            }
            Integer id = vocab.get(content);
            if (id == null) {
                throw new ModelException(dir + ": " + key + " '" + content + "' is not in tokenizer.json's vocabulary");
            }
            return id;
        }
        return null;
    }

    private static JsonNode readJson(Path file) throws ModelException {
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelException(
                    file + ": not valid JSON: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
    }

    private static JsonNode optionalJson(Path file) throws ModelException {
        return Files.isRegularFile(file) ? readJson(file) : null;
    }

    @Override
    public void close() {
        byMaxLength.values().forEach(HuggingFaceTokenizer::close);
        byMaxLength.clear();
    }
}
