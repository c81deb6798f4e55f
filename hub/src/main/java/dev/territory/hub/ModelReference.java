package dev.territory.hub;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a run request or a command names as a model: a local directory, or a Hugging Face Hub
 * repository {@code org/name} with an optional {@code @revision} (branch, tag or 40-hex commit).
 *
 * <p>{@link #parse(String)} decides which: a string that names an existing path, or starts with
 * {@code /}, {@code ./}, {@code ../} or {@code ~/}, is a local directory; anything else must be a
 * Hub id. The Hub id rules are the Hub's own (each part 1 to 96 of {@code [A-Za-z0-9_.-]}, no
 * {@code --} or {@code ..}, not starting or ending with {@code -} or {@code .}).
 */
public sealed interface ModelReference permits ModelReference.Local, ModelReference.Hub {

    /** The revision used when a Hub id names none. */
    String DEFAULT_REVISION = "main";

    /** A model directory on this machine. */
    record Local(Path directory) implements ModelReference {
        @Override
        public String toString() {
            return directory.toString();
        }
    }

    /**
     * A Hub repository at a revision.
     *
     * @param repoId   {@code org/name}
     * @param revision the branch, tag or commit asked for ({@value #DEFAULT_REVISION} when none)
     */
    record Hub(String repoId, String revision) implements ModelReference {
        public Hub {
            requireValidRepoId(repoId, repoId);
            requireValidRevision(revision, repoId + "@" + revision);
        }

        /** True when the revision is a full commit hash, which never moves. */
        public boolean pinnedToCommit() {
            return isCommitHash(revision);
        }

        @Override
        public String toString() {
            return repoId + "@" + revision;
        }
    }

    Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    Pattern REPO_PART = Pattern.compile("[A-Za-z0-9_.\\-]{1,96}");

    static boolean isCommitHash(String revision) {
        return revision != null && COMMIT.matcher(revision).matches();
    }

    /**
     * Parses a model reference.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    static ModelReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "model reference is empty: expected a local directory or a Hub id org/name[@revision]");
        }
        String s = text.strip();
        if (s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        if (s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.equals(".") || s.equals("..")) {
            return local(text, s);
        }
        Optional<Path> existing = existingPath(s);
        if (existing.isPresent()) {
            return local(text, s);
        }
        int at = s.indexOf('@');
        String repoId = at < 0 ? s : s.substring(0, at);
        String revision = at < 0 ? DEFAULT_REVISION : s.substring(at + 1);
        if (at >= 0 && revision.isEmpty()) {
            throw new IllegalArgumentException("model reference '" + text + "': empty revision after '@'");
        }
        requireValidRepoId(repoId, text);
        requireValidRevision(revision, text);
        return new Hub(repoId, revision);
    }

    private static ModelReference local(String text, String path) {
        Path dir = Path.of(path).toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "model reference '" + text + "': " + dir + " is a file, not a model directory");
        }
        return new Local(dir);
    }

    private static Optional<Path> existingPath(String s) {
        try {
            Path p = Path.of(s);
            return Files.exists(p) ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static void requireValidRepoId(String repoId, String text) {
        String prefix = "model reference '" + text + "': ";
        if (repoId == null || repoId.isEmpty()) {
            throw new IllegalArgumentException(prefix + "empty Hub id; expected org/name[@revision]");
        }
        String[] parts = repoId.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException(prefix + "not an existing directory, and '" + repoId
                    + "' is not a Hub id of the form org/name (local paths must start with /, ./ or ../)");
        }
        for (String part : parts) {
            if (!REPO_PART.matcher(part).matches()) {
                throw new IllegalArgumentException(prefix + "'" + part + "' in Hub id '" + repoId
                        + "' must be 1 to 96 characters of letters, digits, '_', '.', '-'");
            }
            if (part.contains("--") || part.contains("..")) {
                throw new IllegalArgumentException(
                        prefix + "'" + part + "' in Hub id '" + repoId + "' contains '--' or '..'");
            }
            if (part.startsWith("-") || part.startsWith(".") || part.endsWith("-") || part.endsWith(".")) {
                throw new IllegalArgumentException(
                        prefix + "'" + part + "' in Hub id '" + repoId + "' starts or ends with '-' or '.'");
            }
        }
    }

    private static void requireValidRevision(String revision, String text) {
        String prefix = "model reference '" + text + "': ";
        if (revision == null || revision.isEmpty()) {
            throw new IllegalArgumentException(prefix + "empty revision");
        }
        if (revision.chars()
                .anyMatch(c -> c <= ' ' || c == '\\' || c == '@' || c == '~' || c == '^' || c == ':' || c == '?'
                        || c == '*' || c == '[' || c == 0x7f)) {
            throw new IllegalArgumentException(
                    prefix + "revision '" + revision + "' contains a character git does not allow in a ref");
        }
        if (revision.contains("..")
                || revision.startsWith("/")
                || revision.endsWith("/")
                || revision.contains("//")
                || revision.endsWith(".lock")) {
            throw new IllegalArgumentException(
                    prefix + "revision '" + revision + "' is not a valid branch, tag or commit");
        }
    }
}
