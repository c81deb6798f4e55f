package dev.territory.metrics;

import java.util.TreeSet;

/**
 * One (run, role) over seeds: which seeds' metrics events are held (each under its own store key,
 * {@link MetricsTopology#seedEventKey}), then {@code emitted}.
 */
record RoleState(boolean emitted, TreeSet<Integer> held) {

    static RoleState empty() {
        return new RoleState(false, new TreeSet<>());
    }

    static RoleState completed() {
        return new RoleState(true, new TreeSet<>());
    }

    boolean holds(int seed) {
        return held.contains(seed);
    }

    /** Every seed whose event is held. */
    TreeSet<Integer> seeds() {
        return new TreeSet<>(held);
    }

    RoleState plus(int seed) {
        TreeSet<Integer> more = new TreeSet<>(held);
        more.add(seed);
        return new RoleState(false, more);
    }
}
