package dev.territory.deploycheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Files of the repository the checks read, and YAML/JSON parsing that names the file on failure. */
final class Repo {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private Repo() {}

    /** The repository root: surefire's territory.repo.root, else the parent of this module. */
    static Path root() {
        String prop = System.getProperty("territory.repo.root");
        Path root = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docs/metrics.md"))) {
            throw new IllegalStateException("not the repository root (no docs/metrics.md): " + root);
        }
        return root;
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + relative, e);
        }
    }

    /** Every document of a (multi-document) YAML file; empty documents skipped. */
    static List<ObjectNode> yamlDocuments(Path file) {
        List<ObjectNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                if (!doc.isObject()) {
                    throw new IllegalArgumentException(file + ": a document is not a mapping");
                }
                docs.add((ObjectNode) doc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    static JsonNode yaml(String relative) {
        List<ObjectNode> docs = yamlDocuments(path(relative));
        if (docs.size() != 1) {
            throw new IllegalArgumentException(relative + ": expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    static JsonNode json(String relative) {
        try {
            return JSON.readTree(path(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(relative + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** A service's application.properties, or null while the service has none. */
    static Properties applicationProperties(String service) {
        Path p = path(service + "/src/main/resources/application.properties");
        if (!Files.isRegularFile(p)) {
            return null;
        }
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(p)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
        return props;
    }
}
