package dev.territory.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The notebook's per-prompt entropies of the GQA fixture pair, turned into the vectors the inference service would send. */
final class ReferenceFixture {

    static final JsonNode REFERENCE = load();

    private ReferenceFixture() {}

    static Path repoRoot() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    private static JsonNode load() {
        try {
            return new ObjectMapper()
                    .readTree(repoRoot()
                            .resolve("testdata/fixtures/reference/llama3-gqa.float32.json")
                            .toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the GQA reference fixture", e);
        }
    }

    static List<Integer> seeds() {
        List<Integer> seeds = new ArrayList<>();
        REFERENCE.get("seeds").forEach(s -> seeds.add(s.asInt()));
        return seeds;
    }

    /** Every vector of one run: role by role, seed by seed, prompt by prompt. */
    static List<EntropyVectorComputed> vectors(String runId) {
        List<EntropyVectorComputed> out = new ArrayList<>();
        List<Integer> seeds = seeds();
        int kv = REFERENCE.get("num_kv_heads").asInt();
        for (Role role : Role.values()) {
            JsonNode roleNode = REFERENCE.get(role.id());
            for (int k = 0; k < seeds.size(); k++) {
                JsonNode prompts = roleNode.get("seeds").get(k).get("per_prompt_entropies");
                for (int p = 0; p < prompts.size(); p++) {
                    JsonNode matrix = prompts.get(p);
                    float[][] e = new float[matrix.size()][matrix.get(0).size()];
                    for (int l = 0; l < e.length; l++) {
                        for (int h = 0; h < e[l].length; h++) {
                            e[l][h] = (float) matrix.get(l).get(h).asDouble();
                        }
                    }
                    int tokens = 0;
                    for (JsonNode m : roleNode.get("tokens").get(p).get("attention_mask")) {
                        tokens += m.asInt();
                    }
                    out.add(EntropyVectorComputed.of(
                            runId,
                            role,
                            seeds.get(k),
                            seeds,
                            p,
                            prompts.size(),
                            tokens,
                            "llama",
                            kv,
                            "float32",
                            "e11-v3",
                            "test",
                            e));
                }
            }
        }
        return out;
    }
}
