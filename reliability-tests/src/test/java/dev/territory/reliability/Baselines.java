package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Uninterrupted runs of a request, once per JVM and request shape: the reference that faulted runs
 * of the same request must equal ({@link Results#normalized}, without {@link Results#VOLATILE}).
 */
final class Baselines {

    private static final Map<String, String> NORMALIZED = new HashMap<>();

    private Baselines() {}

    /** Runs {@code request.apply("baseline-" + name)} unless done already; its normalized results.json. */
    static synchronized String of(Pipeline p, String name, Function<String, ObjectNode> request) throws Exception {
        String cached = NORMALIZED.get(name);
        if (cached != null) {
            return cached;
        }
        String runId = "baseline-" + name;
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request.apply(runId)));
        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        String normalized = Results.normalized(p, runId);
        NORMALIZED.put(name, normalized);
        return normalized;
    }
}
