package dev.territory.hub;

/**
 * Download progress of one model, for a progress bar. Called from the downloading thread, at most
 * about once per MiB and once at the end; {@code bytesTotal} may grow once sharded weights are
 * known.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (done, total) -> {};

    /**
     * @param bytesDone  bytes of this model's missing files that are now on disk
     * @param bytesTotal bytes of this model's files that were missing from the cache
     */
    void onProgress(long bytesDone, long bytesTotal);
}
