package dev.territory.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.TreeMap;

/** One (run, role) over seeds: each seed's metrics event as JSON until all seeds are in, then {@code emitted}. */
record RoleState(TreeMap<Integer, JsonNode> seedEvents, boolean emitted) {
    static RoleState empty() {
        return new RoleState(new TreeMap<>(), false);
    }
}
