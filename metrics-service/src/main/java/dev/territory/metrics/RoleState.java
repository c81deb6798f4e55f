package dev.territory.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One (run, role) over seeds: which seeds' metrics events are held (each under its own store key,
 * {@link MetricsTopology#seedEventKey}), then {@code emitted}. {@code seedEvents} is read only from
 * stores written by earlier builds, which kept the events inside the state; it is never written.
 */
record RoleState(TreeMap<Integer, JsonNode> seedEvents, boolean emitted, TreeSet<Integer> held) {

    static RoleState empty() {
        return new RoleState(null, false, new TreeSet<>());
    }

    static RoleState completed() {
        return new RoleState(null, true, new TreeSet<>());
    }

    boolean holds(int seed) {
        return seeds().contains(seed);
    }

    /** Every seed whose event is held, in this format or the earlier one. */
    TreeSet<Integer> seeds() {
        TreeSet<Integer> all = new TreeSet<>(held == null ? List.of() : held);
        if (seedEvents != null) {
            all.addAll(seedEvents.keySet());
        }
        return all;
    }

    RoleState plus(int seed) {
        TreeSet<Integer> more = new TreeSet<>(held == null ? List.of() : held);
        more.add(seed);
        return new RoleState(seedEvents, false, more);
    }
}
