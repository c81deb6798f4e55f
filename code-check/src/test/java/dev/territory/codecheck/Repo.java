package dev.territory.codecheck;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: surefire's territory.repo.root, else the parent of this module. */
final class Repo {
    private Repo() {}

    static Path root() {
        String prop = System.getProperty("territory.repo.root");
        Path root = (prop != null && !prop.isBlank() ? Path.of(prop) : Path.of(".."))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("code-check"))) {
            throw new IllegalStateException("not the repository root: " + root);
        }
        return root;
    }
}
