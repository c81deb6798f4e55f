package dev.territory.hub;

/**
 * One file of a resolved model.
 *
 * @param name   path inside the model directory, e.g. {@code model-00001-of-00004.safetensors}
 * @param size   bytes
 * @param sha256 hex sha256 of the content; null only for local directories (not hashed)
 * @param blobId the Hub's id of the content (the LFS sha256, or the git blob sha1 of a small
 *               file), which is also its name in the cache's {@code blobs/}; null for local files
 */
public record FileRecord(String name, long size, String sha256, String blobId) {
}
