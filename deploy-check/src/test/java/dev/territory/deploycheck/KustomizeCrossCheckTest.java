package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where {@code kubectl} (with its built-in kustomize) is installed, its rendering of each
 * kustomization must equal {@link MiniKustomize}'s, so the other checks test what kubectl would
 * apply. Skipped where there is no kubectl (the checks then rely on MiniKustomize alone).
 */
class KustomizeCrossCheckTest {

    static Path kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/gpu", "overlays/strimzi"})
    void kubectlKustomizeRendersTheSameResources(String dir) throws IOException, InterruptedException {
        Path kubectl = kubectl();
        Assumptions.assumeTrue(kubectl != null, "kubectl not installed: cross-check skipped");
        Path target = Repo.path("deploy/k8s/" + dir);
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", target.toString())
                .redirectErrorStream(false)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, err).isZero();
        Path tmp = Files.createTempFile("kustomize", ".yaml");
        try {
            Files.write(tmp, out);
            TreeMap<String, JsonNode> theirs = byId(Repo.yamlDocuments(tmp));
            TreeMap<String, JsonNode> ours = byId(MiniKustomize.render(target));
            assertThat(ours.keySet()).isEqualTo(theirs.keySet());
            for (String id : ours.keySet()) {
                assertThat(ours.get(id)).as(id).isEqualTo(theirs.get(id));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static TreeMap<String, JsonNode> byId(List<ObjectNode> docs) {
        TreeMap<String, JsonNode> out = new TreeMap<>();
        for (ObjectNode d : docs) {
            String id = d.path("kind").asText() + "/"
                    + d.path("metadata").path("namespace").asText() + "/"
                    + d.path("metadata").path("name").asText();
            out.put(id, normalize(d));
        }
        return out;
    }

    /** Order of named list items is not meaningful after a merge; numbers compare by value. */
    private static JsonNode normalize(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = Repo.JSON.createObjectNode();
            n.fields().forEachRemaining(e -> o.set(e.getKey(), normalize(e.getValue())));
            return o;
        }
        if (n.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            n.forEach(x -> items.add(normalize(x)));
            if (items.stream().allMatch(x -> x.isObject() && x.has("name"))) {
                items.sort(Comparator.comparing(x -> x.get("name").asText()));
            }
            ArrayNode a = Repo.JSON.createArrayNode();
            items.forEach(a::add);
            return a;
        }
        if (n.isNumber()) {
            return Repo.JSON.getNodeFactory().textNode(n.asText());
        }
        return n;
    }
}
