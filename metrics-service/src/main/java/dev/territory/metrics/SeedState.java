package dev.territory.metrics;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelShape;
import dev.territory.contracts.Role;
import java.util.List;

/**
 * The state of one (run, role, seed) aggregate in the store: how many vectors are held (each
 * vector is its own store entry, {@link MetricsTopology#vectorKey}), then {@code emitted = true},
 * which is what makes late duplicates harmless.
 */
record SeedState(
        String runId,
        Role role,
        int seed,
        List<Integer> seeds,
        int promptCount,
        ModelShape shape,
        String dtype,
        String protocol,
        String engineVersion,
        int received,
        boolean emitted) {

    static SeedState first(EntropyVectorComputed v) {
        return new SeedState(
                v.runId(),
                v.role(),
                v.seed(),
                v.seeds(),
                v.promptCount(),
                new ModelShape(v.modelType(), v.numLayers(), v.numHeads(), v.numKvHeads()),
                v.dtype(),
                v.protocol(),
                v.engineVersion(),
                0,
                false);
    }

    SeedState plusOne() {
        return new SeedState(
                runId, role, seed, seeds, promptCount, shape, dtype, protocol, engineVersion, received + 1, false);
    }

    SeedState completed() {
        return new SeedState(
                runId, role, seed, seeds, promptCount, shape, dtype, protocol, engineVersion, received, true);
    }

    /** Why {@code v} does not belong to this aggregate, or null when it does. */
    String mismatch(EntropyVectorComputed v) {
        if (v.promptCount() != promptCount) {
            return "promptCount " + v.promptCount() + " differs from " + promptCount + " of the earlier vectors";
        }
        if (!v.seeds().equals(seeds)) {
            return "seeds " + v.seeds() + " differ from " + seeds + " of the earlier vectors";
        }
        if (v.numLayers() != shape.numLayers()
                || v.numHeads() != shape.numHeads()
                || v.numKvHeads() != shape.numKvHeads()) {
            return "shape " + v.numLayers() + "x" + v.numHeads() + " (kv " + v.numKvHeads() + ") differs from "
                    + shape.numLayers() + "x" + shape.numHeads() + " (kv " + shape.numKvHeads()
                    + ") of the earlier vectors";
        }
        return null;
    }
}
