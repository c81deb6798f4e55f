package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.engine.synthetic.SyntheticCheckpoint;
import dev.territory.engine.testing.SharedEngine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One test per class of unusable model directory; each checks that the message names file and problem. */
class BadModelDirectoryTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine();

    @TempDir
    Path tmp;

    private Path valid() throws IOException {
        return valid(new SyntheticCheckpoint.Spec());
    }

    private Path valid(SyntheticCheckpoint.Spec spec) throws IOException {
        spec.layers = 1;
        return SyntheticCheckpoint.write(spec, tmp.resolve("m")).dir;
    }

    private AbstractThrowableAssert<?, ? extends Throwable> loading(Path dir) {
        return assertThatThrownBy(() -> ENGINE.get().load(dir).close()).isInstanceOf(ModelException.class);
    }

    private Path editConfig(Consumer<ObjectNode> edit) throws IOException {
        Path dir = valid();
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
        return dir;
    }

    /** Replaces model.safetensors by an 8-byte length, the header text, and dataBytes zero bytes. */
    private Path rawSafetensors(long declaredLength, String header, int dataBytes) throws IOException {
        Path dir = valid();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(h);
        Files.write(dir.resolve("model.safetensors"), b.array());
        return dir;
    }

    @Test
    void validDirectoryLoads() throws Exception {
        try (LoadedModel m = ENGINE.get().load(valid())) {
            assertThat(m.config().numLayers()).isEqualTo(1);
            assertThat(m.weightFiles()).extracting(WeightFile::name).containsExactly("model.safetensors");
            assertThat(m.weightFiles().get(0).sha256()).hasSize(64);
        }
    }

    @Test
    void missingConfig() throws Exception {
        Path dir = valid();
        Files.delete(dir.resolve("config.json"));
        loading(dir).hasMessageContaining("config.json").hasMessageContaining("missing");
    }

    @Test
    void configNotJson() throws Exception {
        Path dir = valid();
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": llama");
        loading(dir).hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
    }

    @Test
    void unsupportedModelType() throws Exception {
        loading(editConfig(c -> c.put("model_type", "gemma")))
                .hasMessageContaining("config.json")
                .hasMessageContaining("'gemma'")
                .hasMessageContaining("llama, mistral, qwen2");
    }

    @Test
    void headsNotDividingHidden() throws Exception {
        loading(editConfig(c -> c.put("num_attention_heads", 5)))
                .hasMessageContaining("num_attention_heads 5 does not divide hidden_size 64");
    }

    @Test
    void kvHeadsNotDividingHeads() throws Exception {
        loading(editConfig(c -> c.put("num_key_value_heads", 3)))
                .hasMessageContaining("num_key_value_heads 3 does not divide num_attention_heads 4");
    }

    @Test
    void unsupportedRopeType() throws Exception {
        loading(editConfig(c ->
                        c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0)))
                .hasMessageContaining("rope type 'yarn'")
                .hasMessageContaining("default, llama3");
        loading(editConfig(c -> c.putObject("rope_parameters")
                        .put("rope_type", "linear")
                        .put("rope_theta", 1e4)))
                .hasMessageContaining("rope type 'linear'");
    }

    @Test
    void noWeights() throws Exception {
        Path dir = valid();
        Files.delete(dir.resolve("model.safetensors"));
        loading(dir).hasMessageContaining("no model.safetensors or model.safetensors.index.json");
    }

    @Test
    void absurdHeaderLengthsAreRejectedFastWithoutAllocating() throws Exception {
        for (long len : new long[] {10L << 30, -1L}) {
            long start = System.nanoTime();
            loading(rawSafetensors(len, "{}", 0))
                    .hasMessageContaining("model.safetensors")
                    .hasMessageContaining("header length " + Long.toUnsignedString(len) + " is invalid");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(1.0);
        }
    }

    @Test
    void headerLongerThanFile() throws Exception {
        loading(rawSafetensors(1000, "{}", 0)).hasMessageContaining("header length 1000 is invalid");
    }

    @Test
    void headerNotJson() throws Exception {
        loading(rawSafetensors(10, "{\"a\": [1, ", 0))
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("header is not valid JSON");
    }

    @Test
    void duplicateTensorNames() throws Exception {
        String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        String h = "{\"x\":" + t + ",\"x\":" + t + "}";
        loading(rawSafetensors(h.length(), h, 4))
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("Duplicate field 'x'");
    }

    @Test
    void offsetsOutsideTheDataArea() throws Exception {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        loading(rawSafetensors(h.length(), h, 8))
                .hasMessageContaining("tensor 'x'")
                .hasMessageContaining("outside the data area of 8 bytes");
    }

    @Test
    void overlappingTensors() throws Exception {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        loading(rawSafetensors(h.length(), h, 12))
                .hasMessageContaining("'a'")
                .hasMessageContaining("'b'")
                .hasMessageContaining("overlap");
    }

    @Test
    void shapeDisagreesWithByteSpan() throws Exception {
        String h = "{\"x\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        loading(rawSafetensors(h.length(), h, 8))
                .hasMessageContaining("tensor 'x'")
                .hasMessageContaining("is 6 bytes but data_offsets span 8 bytes");
    }

    @Test
    void unsupportedDtype() throws Exception {
        Path dir = valid();
        // rewrite the dtype of the first tensor (embed_tokens, F32, 4 bytes) as I32: same span, not loadable
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = s.indexOf("\"F32\"");
        bytes[at + 1] = 'I';
        Files.write(dir.resolve("model.safetensors"), bytes);
        loading(dir)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("dtype I32")
                .hasMessageContaining("F32, BF16, F16");
    }

    @Test
    void missingTensor() throws Exception {
        loading(editConfig(c -> c.put("num_hidden_layers", 2)))
                .hasMessageContaining("tensor 'model.layers.1.input_layernorm.weight' is missing")
                .hasMessageContaining("expected shape [64]");
    }

    @Test
    void tensorWithWrongShape() throws Exception {
        loading(editConfig(c -> c.put("intermediate_size", 100)))
                .hasMessageContaining(
                        "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64], expected [100, 64]");
    }

    @Test
    void shardNameEscapingTheDirectory() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.shards = 2;
        Path dir = valid(s);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).replace("model-00002-of-00002", "../outside"));
        loading(dir)
                .hasMessageContaining("model.safetensors.index.json")
                .hasMessageContaining("'../outside.safetensors' escapes");
    }

    @Test
    void shardSymlinkEscapingTheDirectory() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.shards = 2;
        Path dir = valid(s);
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        Path outside = Files.move(shard, tmp.resolve("elsewhere.safetensors"));
        Files.createSymbolicLink(shard, outside);
        loading(dir).hasMessageContaining("is a link that escapes the model directory");
    }

    @Test
    void indexNamesAShardThatLacksTheTensor() throws Exception {
        SyntheticCheckpoint.Spec s = new SyntheticCheckpoint.Spec();
        s.shards = 2;
        Path dir = valid(s);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(
                index,
                Files.readString(index)
                        .replace(
                                "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"",
                                "\"model.embed_tokens.weight\":\"model-00002-of-00002.safetensors\""));
        loading(dir)
                .hasMessageContaining(
                        "weight_map puts tensor 'model.embed_tokens.weight' in model-00002-of-00002.safetensors");
    }

    @Test
    void missingTokenizer() throws Exception {
        Path dir = valid();
        Files.delete(dir.resolve("tokenizer.json"));
        loading(dir).hasMessageContaining("tokenizer.json").hasMessageContaining("missing");
    }

    @Test
    void truncatedWeightFile() throws Exception {
        Path dir = valid();
        try (RandomAccessFile f =
                new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(f.length() - 4);
        }
        loading(dir).hasMessageContaining("model.safetensors").hasMessageContaining("outside the data area");
    }

    /** A copy of the llama3-gqa-base fixture (a real tokenizer, F32 weights). */
    private Path fixtureCopy() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fixture"));
        try (var files = Files.list(TestData.model("llama3-gqa-base"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    @Test
    void nonFiniteWeight() throws Exception {
        Path dir = fixtureCopy();
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] len = new byte[8];
            f.readFully(len);
            long headerLength =
                    ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[(int) headerLength];
            f.readFully(header);
            long begin = new ObjectMapper()
                    .readTree(header)
                    .path("model.norm.weight")
                    .path("data_offsets")
                    .path(0)
                    .asLong();
            f.seek(8 + headerLength + begin + 4 * 3); // element 3
            f.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(Float.POSITIVE_INFINITY)
                    .array());
        }
        loading(dir)
                .hasMessage(
                        file
                                + ": tensor 'model.norm.weight' holds a non-finite value (Infinity) at element 3; refusing the model");
    }

    @Test
    void catastrophicTokenizerRegex() throws Exception {
        Path dir = fixtureCopy();
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok =
                (ObjectNode) json.readTree(dir.resolve("tokenizer.json").toFile());
        ((ObjectNode) tok.path("pre_tokenizer").path("pretokenizers").path(0).path("pattern")).put("Regex", "(a|aa)+$");
        Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(tok));
        loading(dir)
                .hasMessage(
                        dir.resolve("tokenizer.json") + ": regex at $.pre_tokenizer.pretokenizers[0].pattern.Regex"
                                + " \"(a|aa)+$\" can backtrack catastrophically (a repeated group of alternatives); refusing the tokenizer");
    }
}
