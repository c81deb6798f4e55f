package dev.territory.metrics;

import dev.territory.contracts.EntropyVectorComputed;

/**
 * A vector that passed the front of the topology, handed to the seed aggregator in memory (the
 * same sub-topology, no serde): the event and its entropies, decoded and checked once.
 *
 * @param entropies (layers x heads) float32 entropies, as {@link EntropyVectorComputed#entropyMatrix()} decodes them
 */
record CheckedVector(EntropyVectorComputed vector, float[][] entropies) {}
