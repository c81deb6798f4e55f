package dev.territory.statistics;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds and reads the parity references (testdata/fixtures/reference) and the synthetic ones. */
final class References {

    private References() {}

    /** The repository root: system property {@code territory.repo.root}, else walk up to testdata/fixtures. */
    static Path repoRoot() {
        String prop = System.getProperty("territory.repo.root");
        if (prop != null && Files.isDirectory(Paths.get(prop, "testdata", "fixtures"))) {
            return Paths.get(prop);
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata").resolve("fixtures"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (testdata/fixtures) from "
                + Paths.get("").toAbsolutePath() + "; set -Dterritory.repo.root");
    }

    static List<Path> fixtureReferences() {
        return list(repoRoot().resolve("testdata/fixtures/reference"));
    }

    static List<Path> syntheticReferences() {
        return list(repoRoot().resolve("statistics/src/test/resources/synthetic"));
    }

    /** testdata/hf-extra/&lt;case&gt;/reference/*.json (extra HF cases, same layout), if present. */
    static List<Path> extraReferences() {
        Path extra = repoRoot().resolve("testdata/hf-extra");
        if (!Files.isDirectory(extra)) {
            return List.of();
        }
        try (Stream<Path> cases = Files.list(extra)) {
            List<Path> all = new ArrayList<>();
            for (Path c : cases.filter(Files::isDirectory).sorted().toList()) {
                if (Files.isDirectory(c.resolve("reference"))) {
                    all.addAll(list(c.resolve("reference")));
                }
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> all() {
        List<Path> all = new ArrayList<>(fixtureReferences());
        all.addAll(extraReferences());
        all.addAll(syntheticReferences());
        return all;
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return MetricsJson.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
