package dev.territory.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's testdata/fixtures. */
public final class TestData {
    private TestData() {}

    public static Path fixtures() {
        String root = System.getProperty("territory.repo.root");
        if (root != null && Files.isDirectory(Path.of(root, "testdata", "fixtures"))) {
            return Path.of(root, "testdata", "fixtures");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata/fixtures"))) {
                return p.resolve("testdata/fixtures");
            }
        }
        throw new IllegalStateException(
                "testdata/fixtures not found above " + Path.of("").toAbsolutePath());
    }

    public static Path model(String name) {
        return fixtures().resolve("models").resolve(name);
    }
}
