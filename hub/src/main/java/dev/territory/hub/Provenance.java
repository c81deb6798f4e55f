package dev.territory.hub;

import dev.territory.contracts.ModelFile;
import java.util.List;

/**
 * Where a model came from, for results and reports.
 *
 * @param source            {@code "hub"} or {@code "local"}
 * @param repoId            {@code org/name}; null for a local directory
 * @param requestedRevision the branch, tag or commit asked for; null for a local directory
 * @param commit            the 40-hex commit that revision resolved to; null for a local directory
 * @param endpoint          the Hub URL used; null for a local directory
 * @param files             the files the engine reads, with sizes and hashes (not hashed for a local directory)
 */
public record Provenance(
        String source, String repoId, String requestedRevision, String commit, String endpoint, List<ModelFile> files) {

    public Provenance {
        files = List.copyOf(files);
    }
}
