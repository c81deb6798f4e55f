package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * kill -9 of each service during a run against the real broker; the results must equal those of
 * an uninterrupted run of the same request (results.json compared without {@link Results#VOLATILE}).
 */
@Tag("slow")
@Order(100)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KillTest {

    static Pipeline p;
    static Path base;
    static Path instruct;
    static String reference;

    /** Default prompts (10) and seeds (3), 32 tokens: 60 vectors per run. */
    static ObjectNode request(String runId) {
        ObjectNode r = Requests.request(runId, base, instruct);
        r.put("maxLength", 32);
        return r;
    }

    @BeforeAll
    static void baseline() throws Exception {
        p = Pipeline.shared();
        base = p.fixture("llama3-gqa-base");
        instruct = p.fixture("llama3-gqa-instruct");
        reference = Baselines.of(p, "default-32", KillTest::request);
    }

    static Predicate<EventLog.Rec> vectorsOf(String runId) {
        return r -> r.topic().equals(Topics.ENTROPY_VECTORS)
                && r.key() != null
                && r.key().startsWith(runId + "/");
    }

    static <T extends TerritoryEvent> List<T> metricsOf(String runId, Class<T> type) {
        return Pipeline.shared().events.decoded(Topics.METRICS_COMPUTED, runId, type);
    }

    /** Each metrics event exactly once: 3 seeds x 2 roles, and 2 roles. */
    static void metricsExactlyOnce(String runId) {
        List<SeedMetricsComputed> seeds = metricsOf(runId, SeedMetricsComputed.class);
        List<RoleMetricsComputed> roles = metricsOf(runId, RoleMetricsComputed.class);
        assertThat(seeds)
                .extracting(s -> s.role() + "/" + s.seed())
                .doesNotHaveDuplicates()
                .hasSize(6);
        assertThat(roles)
                .extracting(RoleMetricsComputed::role)
                .doesNotHaveDuplicates()
                .hasSize(2);
        assertThat(Pipeline.shared().events.all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key())))
                .hasSize(1);
    }

    @Test
    @Order(1)
    void metricsServiceKilledThreeTimesDuringARun() throws Exception {
        String runId = "kill-metrics";
        Pipeline.Service metrics = p.service(Pipeline.METRICS);
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request(runId)));
        int[] triggers = {1, 20, 40}; // kill when this many of the run's 60 vectors are on the topic
        for (int n : triggers) {
            p.events.await(
                    n + " vectors of " + runId,
                    r -> p.events.all(vectorsOf(runId)).size() >= n,
                    Duration.ofMinutes(3));
            metrics.kill9();
            metrics.restart();
        }
        p.awaitReady(metrics);
        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(Results.normalized(p, runId)).isEqualTo(reference);
        metricsExactlyOnce(runId);
        ReliabilityTable.record(
                "fault",
                "kill -9 of metrics-service three times during a run (after 1, 20, 40 of 60 vectors), restarted",
                "run COMPLETED; results.json identical to an uninterrupted run (without " + Results.VOLATILE
                        + "); each of the 6 seed and 2 role metrics events exactly once");
    }

    @Test
    @Order(2)
    void inferenceServiceKilledMidModel() throws Exception {
        String runId = "kill-inference";
        Pipeline.Service inference = p.service(Pipeline.INFERENCE);
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request(runId)));
        p.events.await(
                "15 vectors of " + runId, r -> p.events.all(vectorsOf(runId)).size() >= 15, Duration.ofMinutes(3));
        inference.kill9();
        int before = p.events.all(vectorsOf(runId)).size();
        inference.restart();
        p.awaitReady(inference);
        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(Results.normalized(p, runId)).isEqualTo(reference);
        metricsExactlyOnce(runId);
        // replayed vectors: same id, same numbers; every (role, seed, prompt) present
        Map<String, String> byId = new HashMap<>();
        List<EventLog.Rec> vectors = p.events.all(vectorsOf(runId));
        for (EventLog.Rec r : vectors) {
            EntropyVectorComputed v = r.event(EntropyVectorComputed.class).orElseThrow();
            String previous = byId.putIfAbsent(v.eventId(), v.entropies());
            if (previous != null) {
                assertThat(v.entropies())
                        .as("replayed vector " + v.key() + "/" + v.promptIndex())
                        .isEqualTo(previous);
            }
        }
        assertThat(byId).hasSize(60);
        int replayed = vectors.size() - 60;
        ReliabilityTable.record(
                "fault",
                "kill -9 of inference-service mid-model (after at least 15 of 60 vectors), restarted",
                "job taken up again; replayed vectors have the same ids and identical entropies; all 60 (role, seed, prompt) present;"
                        + " metrics events exactly once; results.json identical to an uninterrupted run");
        assertThat(before).isGreaterThanOrEqualTo(15);
        assertThat(replayed).isGreaterThanOrEqualTo(0);
    }

    @Test
    @Order(3)
    void reportServiceKilledWithARunPending() throws Exception {
        String runId = "kill-report";
        Pipeline.Service report = p.service(Pipeline.REPORT);
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request(runId)));
        p.events.await(
                "first vector of " + runId, r -> p.events.all(vectorsOf(runId)).size() >= 1, Duration.ofMinutes(3));
        report.kill9();
        Pipeline.sleep(3000);
        report.restart();
        p.awaitReady(report);
        for (String done : List.of("baseline-default-32", "kill-metrics", "kill-inference")) {
            String state = p.get(report.url() + "/api/runs/" + done);
            assertThat(state).as(done).contains("COMPLETED");
            assertThat(p.status(report.url() + "/api/runs/" + done + "/results"))
                    .isEqualTo(200);
        }
        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(Results.normalized(p, runId)).isEqualTo(reference);
        ReliabilityTable.record(
                "fault",
                "kill -9 of report-service with a run pending, restarted",
                "serves every completed run (state and results.json) after the restart and finishes the pending run;"
                        + " results.json identical to an uninterrupted run");
    }
}
