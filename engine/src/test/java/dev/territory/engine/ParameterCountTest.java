package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.testing.SharedEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A loaded model's parameter count, from the safetensors headers, against one counted from config.json. */
class ParameterCountTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine();

    @Test
    void headersGiveTheParameterCountTheConfigImplies() throws Exception {
        Path dir = TestData.model("llama3-gqa-base");
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        long h = config.get("hidden_size").asLong();
        long inter = config.get("intermediate_size").asLong();
        long vocab = config.get("vocab_size").asLong();
        long layers = config.get("num_hidden_layers").asLong();
        long heads = config.get("num_attention_heads").asLong();
        long kv = config.get("num_key_value_heads").asLong();
        long hd = config.has("head_dim") ? config.get("head_dim").asLong() : h / heads;
        long perLayer = h * heads * hd + 2 * h * kv * hd + heads * hd * h + 3 * h * inter + 2 * h;
        boolean tied = config.path("tie_word_embeddings").asBoolean(false);
        long expected = vocab * h + layers * perLayer + h + (tied ? 0 : vocab * h);
        try (LoadedModel model = ENGINE.get().load(dir)) {
            assertThat(model.parameterCount()).isEqualTo(expected);
        }
    }
}
