package dev.territory.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A model ready for the engine.
 *
 * @param directory  the model directory (for a Hub model, the cache's {@code snapshots/<commit>})
 * @param provenance where it came from
 * @param stats      what resolving it cost
 */
public record ResolvedModel(Path directory, Provenance provenance, DownloadStats stats) {

    /** A local directory taken as it is: no files listed, nothing hashed. */
    public static ResolvedModel local(Path directory) {
        return new ResolvedModel(
                directory,
                new Provenance("local", null, null, null, null, List.of()),
                new DownloadStats(0, 0, 0, Duration.ZERO));
    }

    /** The model's name in reports: its Hub id, else its directory's name. */
    public String name() {
        return fromHub()
                ? provenance.repoId()
                : absoluteDirectory().getFileName().toString();
    }

    /** Where it came from: {@code endpoint/org/name} for a Hub model, else its directory's absolute path. */
    public String source() {
        return fromHub()
                ? provenance.endpoint() + "/" + provenance.repoId()
                : absoluteDirectory().toString();
    }

    /** The Hub commit, or null for a local directory. */
    public String revision() {
        return fromHub() ? provenance.commit() : null;
    }

    private boolean fromHub() {
        return provenance.repoId() != null;
    }

    private Path absoluteDirectory() {
        return directory.toAbsolutePath().normalize();
    }
}
