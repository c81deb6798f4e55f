package dev.territory.metrics;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;

/**
 * A vector that passed the front of the topology, handed to the seed aggregator in memory (the
 * same sub-topology, no serde): the event and its entropies, decoded and checked once.
 *
 * @param entropies (layers x heads) float32 entropies, as {@link EntropyVectorComputed#entropyMatrix()} decodes them
 */
record CheckedVector(EntropyVectorComputed vector, float[][] entropies) {

    /** Decodes a vector record and its payload, whose length is checked against the shape; throws on either failing. */
    static CheckedVector decode(byte[] value) {
        EntropyVectorComputed vector = EventCodec.decode(value, EntropyVectorComputed.class);
        return new CheckedVector(vector, vector.entropyMatrix());
    }
}
