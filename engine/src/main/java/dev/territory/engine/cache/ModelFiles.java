package dev.territory.engine.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.ModelException;
import dev.territory.engine.WeightFile;
import dev.territory.engine.weights.SafetensorsFile;
import dev.territory.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/** What the cache reads of a model directory without loading it: a fingerprint and the weight bytes. */
final class ModelFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Files whose change makes a loaded model stale, besides every {@code *.safetensors}. */
    private static final List<String> TRACKED =
            List.of("config.json", "model.safetensors.index.json", "tokenizer.json");

    private ModelFiles() {}

    /**
     * Name, size and last-modified time of config.json, the tokenizer, the shard index and every
     * safetensors file of {@code dir} (links followed, as the loader reads them), in name order.
     */
    static List<String> fingerprint(Path dir) throws ModelException {
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.safetensors")) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new ModelException(dir + ": cannot list the weight files: " + e.getMessage(), e);
        }
        names.addAll(TRACKED);
        List<String> out = new ArrayList<>();
        for (String name : names) {
            Path p = dir.resolve(name);
            if (!Files.exists(p)) {
                out.add(name + ":absent");
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(name + ":" + a.size() + ":" + a.lastModifiedTime().toMillis());
            } catch (IOException e) {
                throw new ModelException(p + ": cannot read its size and time: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Bytes the weights of {@code dir} take in {@code dtype}, before loading: parameters from the
     * safetensors headers of the files the loader reads ({@code model.safetensors}, or the shards of
     * {@code model.safetensors.index.json}). 0 when they cannot be read: the load then names the problem.
     */
    static long estimateBytes(Path dir, ComputeDtype dtype) {
        try {
            Path single = dir.resolve("model.safetensors");
            if (Files.isRegularFile(single)) {
                return parameters(List.of(single)) * bytesPerParameter(dtype);
            }
            JsonNode map = JSON.readTree(
                            dir.resolve("model.safetensors.index.json").toFile())
                    .path("weight_map");
            TreeSet<Path> shards = new TreeSet<>();
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                shards.add(dir.resolve(it.next().asText()));
            }
            return parameters(shards) * bytesPerParameter(dtype);
        } catch (IOException | ModelException | RuntimeException e) {
            return 0;
        }
    }

    /** Bytes the weights of a loaded model take in {@code dtype} (parameters from its files' headers). */
    static long loadedBytes(List<WeightFile> files, ComputeDtype dtype) throws ModelException {
        List<Path> paths = files.stream().map(WeightFile::path).toList();
        return parameters(paths) * bytesPerParameter(dtype);
    }

    static int bytesPerParameter(ComputeDtype dtype) {
        return dtype.bytesPerParameter();
    }

    private static long parameters(Collection<Path> files) throws ModelException {
        long total = 0;
        for (Path p : files) {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (TensorInfo t : f.tensors().values()) {
                    total = Math.addExact(total, t.elementCount());
                }
            }
        }
        return total;
    }
}
