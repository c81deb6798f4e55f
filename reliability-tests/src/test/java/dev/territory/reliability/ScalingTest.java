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
        // the extra JVMs start beforehand, their bootstrap address behind a proxy of their own that is
        // cut: on 2 shared cores a JVM start takes longer than a whole run, so they join (proxy
        // restored) at a chosen point of the run instead of whenever they happen to be up
        int port = TcpProxy.freePort();
        List<Pipeline.Service> extra = new ArrayList<>();
        int atThree;
        boolean completedBeforeScaleDown;
        try (TcpProxy gate = new TcpProxy(port, p.broker.port())) {
            gate.cut();
            for (int i = 2; i <= 3; i++) {
                extra.add(p.start(
                        Pipeline.INFERENCE,
                        Pipeline.INFERENCE + "-" + i,
                        "-Dkafka.bootstrap.servers=127.0.0.1:" + port));
                extra.add(p.start(
                        Pipeline.METRICS, Pipeline.METRICS + "-" + i, "-Dkafka.bootstrap.servers=127.0.0.1:" + port));
            }
            for (Pipeline.Service s : extra) { // started (not ready: no broker), DJL warm
                long until = System.nanoTime() + Pipeline.READY_TIMEOUT.toNanos();
                while ((!s.logText().contains(" started in ")
                                || s.kind.equals(Pipeline.INFERENCE)
                                        && !s.logText().contains("DJL engine warm"))
                        && System.nanoTime() < until) {
                    Pipeline.sleep(200);
                }
            }
            p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request(runId, p)));
            p.events.await(
                    "30 vectors of " + runId,
                    r -> p.events.all(KillTest.vectorsOf(runId)).size() >= 30,
                    Duration.ofMinutes(3));
            gate.restore(); // 1 -> 3
            for (Pipeline.Service s : extra) {
                p.awaitReady(s);
            }
            atThree = p.events.all(KillTest.vectorsOf(runId)).size();
            // let the groups rebalance and the new members take partitions: 30 more vectors or 10 s
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (p.events.all(KillTest.vectorsOf(runId)).size() < atThree + 30 && System.nanoTime() < until) {
                Pipeline.sleep(100);
            }
            completedBeforeScaleDown = !p.events
                    .all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key()))
                    .isEmpty();
            for (Pipeline.Service s : extra) { // 3 -> 1
                p.remove(s);
            }
        }
        int atOne = p.events.all(KillTest.vectorsOf(runId)).size();

        assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic()).isEqualTo(Topics.RUNS_COMPLETED);
        assertThat(Results.normalized(p, runId)).isEqualTo(reference);
        List<?> seedMetrics = KillTest.metricsOf(runId, dev.territory.contracts.SeedMetricsComputed.class);
        List<?> roleMetrics = KillTest.metricsOf(runId, dev.territory.contracts.RoleMetricsComputed.class);
        assertThat(seedMetrics).hasSize(20);
        assertThat(roleMetrics).hasSize(2);
        assertThat(p.events.all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key())))
                .hasSize(1);
        int total = p.events.all(KillTest.vectorsOf(runId)).size();
        assertThat(completedBeforeScaleDown)
                .as("the run was still going when the extra processes left")
                .isFalse();
        System.out.printf(
                "scaling: 3 instances at %d vectors, back to 1 at %d, %d vector records in all (600 distinct)%n",
                atThree, atOne, total);
        ReliabilityTable.record(
                "fault",
                "consumers scaled 1 -> 3 -> 1 mid-run: two more inference and metrics processes (started beforehand, their bootstrap"
                        + " behind a cut proxy) join the groups after 30 of 600 vectors, then stop (SIGTERM) before the run ends",
                "run COMPLETED; results.json identical to an uninterrupted run; each of the 20 seed and 2 role metrics events exactly once");
    }
}
