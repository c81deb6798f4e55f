package dev.territory.deploycheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does for the features deploy/k8s uses,
 * so that the checks run on what would be applied even where no kubectl is installed:
 * {@code resources} (files and directories with a kustomization), {@code namespace},
 * {@code images} (newName/newTag) and {@code patches} given by {@code path} (strategic merge,
 * matched by kind and name: maps merge, lists of named maps merge by name, other lists replace).
 * Anything else in a kustomization.yaml is refused, so a new feature cannot be silently ignored.
 * {@code KustomizeCrossCheckTest} compares this with kubectl's output where kubectl exists.
 */
final class MiniKustomize {
    private static final Set<String> SUPPORTED =
            Set.of("apiVersion", "kind", "resources", "namespace", "images", "patches");
    private static final Set<String> CLUSTER_SCOPED = Set.of(
            "Namespace",
            "PersistentVolume",
            "ClusterRole",
            "ClusterRoleBinding",
            "CustomResourceDefinition",
            "StorageClass");

    private MiniKustomize() {}

    static List<ObjectNode> render(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no kustomization.yaml in " + dir);
        }
        JsonNode k = Repo.yamlDocuments(file).get(0);
        for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(
                        file + ": '" + field + "' is not supported by MiniKustomize; extend it");
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(render(p));
            } else if (Files.isRegularFile(p)) {
                out.addAll(Repo.yamlDocuments(p));
            } else {
                throw new IllegalArgumentException(file + ": resource " + r.asText() + " does not exist");
            }
        }
        for (JsonNode patch : k.path("patches")) {
            if (!patch.has("path") || patch.size() != 1) {
                throw new IllegalArgumentException(file + ": only 'patches: - path: FILE' is supported");
            }
            for (ObjectNode p : Repo.yamlDocuments(dir.resolve(patch.get("path").asText()))) {
                ObjectNode target = find(
                        out,
                        p.path("kind").asText(),
                        p.path("metadata").path("name").asText());
                if (target == null) {
                    throw new IllegalArgumentException(
                            file + ": patch " + patch.get("path").asText() + " matches no resource");
                }
                merge(target, p);
            }
        }
        for (JsonNode image : k.path("images")) {
            for (ObjectNode r : out) {
                setImages(r, image);
            }
        }
        if (k.hasNonNull("namespace")) {
            for (ObjectNode r : out) {
                if (!CLUSTER_SCOPED.contains(r.path("kind").asText())) {
                    ((ObjectNode) r.get("metadata"))
                            .put("namespace", k.get("namespace").asText());
                }
            }
        }
        return out;
    }

    static ObjectNode find(List<ObjectNode> resources, String kind, String name) {
        for (ObjectNode r : resources) {
            if (r.path("kind").asText().equals(kind)
                    && r.path("metadata").path("name").asText().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** Strategic merge of {@code patch} into {@code target}. */
    static void merge(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode have = target.get(e.getKey());
            JsonNode want = e.getValue();
            if (have instanceof ObjectNode h && want.isObject()) {
                merge(h, want);
            } else if (have instanceof ArrayNode h && want.isArray() && namedMaps(h) && namedMaps(want)) {
                for (JsonNode w : want) {
                    ObjectNode match = null;
                    for (JsonNode x : h) {
                        if (x.get("name").equals(w.get("name"))) {
                            match = (ObjectNode) x;
                        }
                    }
                    if (match != null) {
                        merge(match, w);
                    } else {
                        h.add(w.deepCopy());
                    }
                }
            } else {
                target.set(e.getKey(), want.deepCopy());
            }
        }
    }

    private static boolean namedMaps(JsonNode list) {
        for (JsonNode x : list) {
            if (!x.isObject() || !x.hasNonNull("name")) {
                return false;
            }
        }
        return !list.isEmpty();
    }

    private static void setImages(JsonNode node, JsonNode image) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            if (o.has("image") && o.get("image").isTextual() && o.has("name")) {
                String current = o.get("image").asText();
                String name = current.contains(":") ? current.substring(0, current.lastIndexOf(':')) : current;
                if (name.equals(image.path("name").asText())) {
                    String newName = image.has("newName") ? image.get("newName").asText() : name;
                    String tag = image.has("newTag")
                            ? image.get("newTag").asText()
                            : current.contains(":") ? current.substring(current.lastIndexOf(':') + 1) : null;
                    o.put("image", tag == null ? newName : newName + ":" + tag);
                }
            }
            o.elements().forEachRemaining(child -> setImages(child, image));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> setImages(child, image));
        }
    }
}
