package dev.territory.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.contracts.ModelFile;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.PromptSets;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs built from the parity references' per-prompt entropies (no model involved). */
final class Fixtures {

    record FixtureRun(
            JsonNode reference,
            RunDescription description,
            RoleMetrics base,
            RoleMetrics instruct,
            List<EntropyRecord> entropies) {}

    private Fixtures() {}

    static Path repoRoot() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static Path reference(String name) {
        return repoRoot().resolve("testdata/fixtures/reference").resolve(name);
    }

    static JsonNode read(Path p) throws IOException {
        return MetricsJson.MAPPER.readTree(p.toFile());
    }

    /** pair "llama3-gqa" (8 query / 2 KV heads, 6 layers) or "mistral-mha" (8 / 8, 5 layers). */
    static FixtureRun load(String pair) throws IOException {
        JsonNode ref = read(reference(pair + ".float32.json"));
        int kv = ref.get("num_kv_heads").asInt();
        List<EntropyRecord> records = new ArrayList<>();
        RoleMetrics base = role(ref, "base", kv, records);
        RoleMetrics instruct = role(ref, "instruct", kv, records);
        int layers = base.specialization().numLayers();
        int heads = base.specialization().numHeads();
        List<Integer> seeds = new ArrayList<>();
        ref.get("seeds").forEach(s -> seeds.add(s.asInt()));
        Methodology m = new Methodology(
                "E11-v3",
                seeds,
                ref.get("max_length").asInt(),
                "float32",
                PromptSets.STANDARD_10_V3_NAME,
                ref.get("prompt_md5").asText(),
                10,
                "NONE (Full Precision float32)",
                false,
                "e11-v3");
        String type = pair.startsWith("llama") ? "llama" : "mistral";
        ModelInfo b = new ModelInfo(
                pair + "-base",
                "/fixtures/" + pair + "-base",
                null,
                type,
                layers,
                heads,
                kv,
                16,
                "float32",
                128,
                123_456L,
                List.of(new ModelFile("model.safetensors", 1000, "ab".repeat(32))));
        ModelInfo i = new ModelInfo(
                pair + "-instruct",
                "/fixtures/" + pair + "-instruct",
                null,
                type,
                layers,
                heads,
                kv,
                16,
                "float32",
                128,
                123_456L,
                List.of(new ModelFile("model.safetensors", 1000, "cd".repeat(32))));
        RunDescription d = new RunDescription(
                "test-" + pair,
                Instant.parse("2026-11-27T19:00:00Z"),
                pair,
                b,
                i,
                m,
                "0.1.0",
                Map.of("java", "17"),
                Map.of("device", "cpu"));
        return new FixtureRun(ref, d, base, instruct, records);
    }

    private static RoleMetrics role(JsonNode ref, String role, int kv, List<EntropyRecord> records) {
        List<SeedMetrics> seeds = new ArrayList<>();
        for (JsonNode s : ref.get(role).get("seeds")) {
            double[][][] perPrompt = MetricsJson.readCube(s.get("per_prompt_entropies"));
            int seed = s.get("seed").asInt();
            seeds.add(NotebookMetrics.seed(seed, perPrompt, kv));
            for (int p = 0; p < perPrompt.length; p++) {
                JsonNode tok = ref.get(role).get("tokens").get(p);
                records.add(new EntropyRecord(
                        role, seed, p, ints(tok.get("input_ids")), ints(tok.get("attention_mask")), perPrompt[p]));
            }
        }
        return NotebookMetrics.aggregate(seeds);
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = n.get(k).asInt();
        }
        return out;
    }
}
