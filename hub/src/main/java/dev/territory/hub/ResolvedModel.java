package dev.territory.hub;

import java.nio.file.Path;

/**
 * A model ready for the engine.
 *
 * @param directory  the model directory (for a Hub model, the cache's {@code snapshots/<commit>})
 * @param provenance where it came from
 * @param stats      what resolving it cost
 */
public record ResolvedModel(Path directory, Provenance provenance, DownloadStats stats) {
}
