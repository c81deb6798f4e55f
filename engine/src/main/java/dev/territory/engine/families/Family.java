package dev.territory.engine.families;

import dev.territory.engine.config.ModelConfig;

/**
 * What distinguishes a model family from the plain Llama decoder: which projections carry biases.
 * Weight names are the Hugging Face ones, shared by all three families; sliding windows are read
 * from the config ({@link ModelConfig#windowOf}).
 */
public enum Family {
    /** LlamaForCausalLM: biases only when {@code attention_bias} / {@code mlp_bias} say so. */
    LLAMA,
    /** MistralForCausalLM: no biases. */
    MISTRAL,
    /** Qwen2ForCausalLM: q/k/v projections always have biases, o_proj none. */
    QWEN2;

    public static Family of(ModelConfig config) {
        return switch (config.modelType()) {
            case "llama" -> LLAMA;
            case "mistral" -> MISTRAL;
            case "qwen2" -> QWEN2;
            default -> throw new IllegalArgumentException("unsupported model_type " + config.modelType());
        };
    }

    public boolean qkvBias(ModelConfig c) {
        return this == QWEN2 || (this == LLAMA && c.attentionBias());
    }

    public boolean outputBias(ModelConfig c) {
        return this == LLAMA && c.attentionBias();
    }

    public boolean mlpBias(ModelConfig c) {
        return this == LLAMA && c.mlpBias();
    }

    /**
     * The pad token of the family's Hugging Face tokenizer class when tokenizer_config.json sets
     * none: transformers 5 loads qwen2 models with Qwen2Tokenizer, whose pad (and unk) default is
     * {@code <|endoftext|>}; the other families' generic tokenizer has none (the notebook then pads
     * with EOS).
     */
    public String defaultPadToken() {
        return this == QWEN2 ? "<|endoftext|>" : null;
    }

    public static String layer(int i, String rest) {
        return "model.layers." + i + "." + rest;
    }
}
