package dev.territory.hub;

import java.time.Duration;

/**
 * What resolving a model cost, for metrics.
 *
 * @param bytesDownloaded bytes received over the network in this call (resumed bytes from an
 *                        earlier attempt are not counted again)
 * @param filesDownloaded files fetched from the Hub
 * @param filesCached     files found in the cache
 * @param elapsed         wall time of the whole resolution, metadata requests included
 */
public record DownloadStats(long bytesDownloaded, int filesDownloaded, int filesCached, Duration elapsed) {}
