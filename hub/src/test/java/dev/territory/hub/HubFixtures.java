package dev.territory.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The fixture models of testdata/fixtures/models, and repositories made from them. */
final class HubFixtures {

    static final String LLAMA = "territory/llama3-gqa-base";
    static final String SHARDED = "territory/mistral-sharded";
    static final String GATED = "meta-llama/gated-llama";
    static final String PRIVATE = "territory/private-llama";
    static final String GRANTED_TOKEN = "hf_granted_0123456789abcdef";
    static final String OTHER_TOKEN = "hf_other_0123456789abcdef";

    private static Map<String, byte[]> llama;
    private static Map<String, byte[]> mistral;

    private HubFixtures() {}

    static Path modelsDir() {
        String root = System.getProperty("territory.repo.root");
        Path base =
                root != null ? Path.of(root) : Files.isDirectory(Path.of("testdata")) ? Path.of(".") : Path.of("..");
        return base.resolve("testdata/fixtures/models").toAbsolutePath().normalize();
    }

    static synchronized Map<String, byte[]> llama() throws IOException {
        if (llama == null) {
            llama = FakeHub.readDir(modelsDir().resolve("llama3-gqa-base"));
        }
        return llama;
    }

    static synchronized Map<String, byte[]> mistral() throws IOException {
        if (mistral == null) {
            mistral = FakeHub.readDir(modelsDir().resolve("mistral-mha-base"));
        }
        return mistral;
    }

    /** Commits made by {@link #populate}. */
    record Commits(String main, String dev, String sharded) {}

    /**
     * The Hub for the tests: {@link #LLAMA} (main = tag v1, and branch dev whose config.json
     * differs), {@link #SHARDED} (the mistral fixture split in two shards plus an index), and
     * gated and private copies of the llama model granted to {@link #GRANTED_TOKEN}.
     */
    static Commits populate(FakeHub hub) throws IOException {
        hub.token(GRANTED_TOKEN);
        hub.token(OTHER_TOKEN);
        FakeHub.Repo repo = hub.repo(LLAMA, FakeHub.Access.PUBLIC);
        String main = repo.commit("main", llama());
        Map<String, byte[]> devFiles = new LinkedHashMap<>(llama());
        String config = new String(llama().get("config.json"), StandardCharsets.UTF_8);
        devFiles.put(
                "config.json",
                config.replaceFirst("\\{", "{\n  \"territory_dev\": true,").getBytes(StandardCharsets.UTF_8));
        String dev = repo.commit("dev", devFiles);
        repo.refs.put("main", main);
        repo.refs.put("v1", main);
        repo.refs.put("dev", dev);
        hub.publish(repo);

        FakeHub.Repo sharded = hub.repo(SHARDED, FakeHub.Access.PUBLIC);
        String shardedCommit = sharded.commit("main", shard(mistral()));
        sharded.refs.put("main", shardedCommit);
        hub.publish(sharded);

        for (var r : List.of(hub.repo(GATED, FakeHub.Access.GATED), hub.repo(PRIVATE, FakeHub.Access.PRIVATE))) {
            r.refs.put("main", r.commit("main", llama()));
            r.granted.add(GRANTED_TOKEN);
            hub.publish(r);
        }
        return new Commits(main, dev, shardedCommit);
    }

    /**
     * The files of a model with model.safetensors split into two valid safetensors shards and a
     * model.safetensors.index.json, as save_pretrained writes a sharded model.
     */
    static Map<String, byte[]> shard(Map<String, byte[]> files) throws IOException {
        ObjectMapper json = new ObjectMapper();
        byte[] st = files.get("model.safetensors");
        ByteBuffer bb = ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) bb.getLong(0);
        ObjectNode header = (ObjectNode) json.readTree(new String(st, 8, headerLen, StandardCharsets.UTF_8));
        int dataStart = 8 + headerLen;
        TreeMap<String, ObjectNode> tensors = new TreeMap<>();
        for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("__metadata__")) {
                tensors.put(name, (ObjectNode) header.get(name));
            }
        }
        List<String> names = new ArrayList<>(tensors.keySet());
        List<List<String>> parts =
                List.of(names.subList(0, names.size() / 2), names.subList(names.size() / 2, names.size()));
        Map<String, byte[]> out = new LinkedHashMap<>(files);
        out.remove("model.safetensors");
        ObjectNode index = json.createObjectNode();
        ObjectNode weightMap = json.createObjectNode();
        long total = 0;
        for (int i = 0; i < parts.size(); i++) {
            String shardName = String.format("model-%05d-of-%05d.safetensors", i + 1, parts.size());
            ObjectNode h = json.createObjectNode();
            h.putObject("__metadata__").put("format", "pt");
            java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
            for (String name : parts.get(i)) {
                ObjectNode t = tensors.get(name).deepCopy();
                long b = t.get("data_offsets").get(0).asLong();
                long e = t.get("data_offsets").get(1).asLong();
                long at = data.size();
                data.write(st, (int) (dataStart + b), (int) (e - b));
                t.putArray("data_offsets").add(at).add(at + (e - b));
                h.set(name, t);
                weightMap.put(name, shardName);
            }
            byte[] hb = json.writeValueAsBytes(h);
            int pad = (8 - hb.length % 8) % 8;
            byte[] headerBytes =
                    (new String(hb, StandardCharsets.UTF_8) + " ".repeat(pad)).getBytes(StandardCharsets.UTF_8);
            ByteBuffer shard =
                    ByteBuffer.allocate(8 + headerBytes.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
            shard.putLong(headerBytes.length).put(headerBytes).put(data.toByteArray());
            out.put(shardName, shard.array());
            total += data.size();
        }
        index.putObject("metadata").put("total_size", total);
        index.set("weight_map", weightMap);
        out.put(
                "model.safetensors.index.json",
                json.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        return out;
    }

    static Path write(Path dir, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(dir);
        for (var e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }
}
