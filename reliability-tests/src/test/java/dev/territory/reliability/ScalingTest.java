package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scaling consumers 1 -> 3 -> 1 in the middle of a run, as KEDA would: two more inference and two
 * more metrics processes join the same consumer groups (own ports and Kafka Streams state), then
 * are stopped (SIGTERM) while the run goes on. The results must equal an uninterrupted run's and
 * every metrics event must be emitted exactly once.
 */
@Tag("slow")
@Order(120)
class ScalingTest {

    /**
     * Thirty inline prompts, ten seeds, 32 tokens (600 vectors, about four times the default run):
     * long enough for four more JVMs to start, join and leave mid-run on 2 shared cores.
     */
    static ObjectNode request(String runId, Pipeline p) {
        try {
            ObjectNode r = Requests.request(runId, p.fixture("llama3-gqa-base"), p.fixture("llama3-gqa-instruct"));
            r.put("maxLength", 32);
            ArrayNode seeds = r.putArray("seeds");
            for (int s : new int[] {42, 123, 456, 7, 8, 9, 10, 11, 12, 13}) {
                seeds.add(s);
            }
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                texts.add("Prompt " + i + ": the river crossed the valley " + i + " times before the sea.");
            }
            ObjectNode prompts = r.putObject("prompts");
            prompts.put("name", "thirty");
            ArrayNode list = prompts.putArray("prompts");
            texts.forEach(list::add);
            prompts.put("md5", dev.territory.contracts.PromptSets.md5(texts));
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void consumersScaledOneToThreeToOneMidRun() throws Exception {
        Pipeline p = Pipeline.shared();
        String reference = Baselines.of(p, "thirty-prompts-ten-seeds", id -> request(id, p));
        String runId = "scaling";
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request(runId, p)));
        p.events.await("the run's first progress", r -> r.topic().equals(Topics.RUNS_PROGRESS) && runId.equals(r.key()),
                Duration.ofMinutes(3));

        List<Pipeline.Service> extra = new ArrayList<>();
        for (int i = 2; i <= 3; i++) {
            extra.add(p.start(Pipeline.INFERENCE, Pipeline.INFERENCE + "-" + i));
            extra.add(p.start(Pipeline.METRICS, Pipeline.METRICS + "-" + i));
        }
        for (Pipeline.Service s : extra) {
            p.awaitReady(s);
        }
        int atThree = p.events.all(KillTest.vectorsOf(runId)).size();
        // let the groups rebalance and the new members take partitions: 20 more vectors or 10 s
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.events.all(KillTest.vectorsOf(runId)).size() < atThree + 20 && System.nanoTime() < until) {
            Pipeline.sleep(200);
        }
        for (Pipeline.Service s : extra) {
            p.remove(s);
        }
        int atOne = p.events.all(KillTest.vectorsOf(runId)).size();

        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(Results.normalized(p, runId)).isEqualTo(reference);
        List<?> seedMetrics = KillTest.metricsOf(runId, dev.territory.contracts.SeedMetricsComputed.class);
        List<?> roleMetrics = KillTest.metricsOf(runId, dev.territory.contracts.RoleMetricsComputed.class);
        assertThat(seedMetrics).hasSize(20);
        assertThat(roleMetrics).hasSize(2);
        assertThat(p.events.all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key()))).hasSize(1);
        int total = p.events.all(KillTest.vectorsOf(runId)).size();
        assertThat(atOne).as("the run was still going when the extra processes left").isLessThan(total);
        System.out.printf("scaling: 3 instances at %d vectors, back to 1 at %d, %d vector records in all (600 distinct)%n",
                atThree, atOne, total);
        ReliabilityTable.record("fault", "consumers scaled 1 -> 3 -> 1 mid-run (two more inference and metrics processes join the groups, then stop)",
                "run COMPLETED; results.json identical to an uninterrupted run; each of the 20 seed and 2 role metrics events exactly once");
    }
}
