package dev.territory.metrics;

import dev.territory.contracts.Role;

/** What the topology tells the outside (Micrometer in the service, counters in tests). */
public interface AggregationListener {

    void vectorAccepted(String runId, Role role, int seed);

    /** A vector already counted (same run, role, seed, prompt): ignored. */
    void vectorDuplicate(String runId);

    /** A vector that cannot be used (malformed, inconsistent with its aggregate); the reason in words. */
    void vectorRejected(String runId, String reason);

    /** {@code level} is "seed" or "role". */
    void aggregateCompleted(String runId, Role role, String level);

    /** A record of {@code sourceTopic} went to the dead-letter topic; {@code reason} is malformed or invalid. */
    void deadLettered(String sourceTopic, String reason);

    AggregationListener NONE = new AggregationListener() {
        @Override
        public void vectorAccepted(String runId, Role role, int seed) {}

        @Override
        public void vectorDuplicate(String runId) {}

        @Override
        public void vectorRejected(String runId, String reason) {}

        @Override
        public void aggregateCompleted(String runId, Role role, String level) {}

        @Override
        public void deadLettered(String sourceTopic, String reason) {}
    };
}
