package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The broker unreachable for 30 s in the middle of a run (the TCP proxy in front of its client
 * listener resets every connection and refuses new ones): every service reports readiness DOWN
 * during the outage and UP after; the run in progress and a run requested during the outage (a
 * record the broker acknowledged on its internal listener) both complete, with results identical
 * to an uninterrupted run and each metrics event exactly once.
 */
@Tag("slow")
@Order(110)
class OutageTest {

    static final Duration OUTAGE = Duration.ofSeconds(30);

    static ObjectNode request(String runId, Pipeline p) {
        try {
            ObjectNode r = Requests.request(runId, p.fixture("llama3-gqa-base"), p.fixture("llama3-gqa-instruct"));
            r.put("maxLength", 32);
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void brokerUnreachableForThirtySecondsMidRun() throws Exception {
        Pipeline p = Pipeline.shared();
        String reference = Baselines.of(p, "default-32", id -> request(id, p));
        String during = "outage-running";
        String queued = "outage-requested-during";
        p.events.send(Topics.RUNS_REQUESTED, during, Requests.bytes(request(during, p)));
        p.events.await(
                "10 vectors of " + during,
                r -> p.events.all(KillTest.vectorsOf(during)).size() >= 10,
                Duration.ofMinutes(3));

        p.proxy.cut();
        long cutAt = System.nanoTime();
        p.events.send(Topics.RUNS_REQUESTED, queued, Requests.bytes(request(queued, p))); // acknowledged by the broker
        Map<String, Double> downAfter = new LinkedHashMap<>();
        while (System.nanoTime() - cutAt < OUTAGE.toNanos()) {
            for (Pipeline.Service s : p.services()) {
                if (!downAfter.containsKey(s.instance) && !p.ready(s)) {
                    downAfter.put(s.instance, (System.nanoTime() - cutAt) / 1e9);
                }
            }
            Pipeline.sleep(500);
        }
        p.proxy.restore();
        long restoredAt = System.nanoTime();
        double upAfter = 0;
        for (Pipeline.Service s : p.services()) {
            p.awaitReady(s);
            upAfter = Math.max(upAfter, (System.nanoTime() - restoredAt) / 1e9);
        }
        assertThat(downAfter)
                .as("services whose readiness went DOWN during the outage (s after the cut)")
                .containsOnlyKeys(p.services().stream().map(s -> s.instance).toArray(String[]::new));

        for (String runId : new String[] {during, queued}) {
            assertThat(p.events.awaitOutcome(runId, Duration.ofMinutes(5)).topic())
                    .as(runId)
                    .isEqualTo(Topics.RUNS_COMPLETED);
            assertThat(Results.normalized(p, runId)).as(runId).isEqualTo(reference);
            KillTest.metricsExactlyOnce(runId);
        }
        double maxDown = downAfter.values().stream()
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(0);
        assertThat(maxDown)
                .as("seconds from the cut until the last service reported DOWN")
                .isLessThan(15);
        assertThat(upAfter)
                .as("seconds from the restore until every service was ready again")
                .isLessThan(60);
        ReliabilityTable.record(
                "fault",
                "broker unreachable for 30 s mid-run (TCP proxy resets and refuses connections), a run requested during the outage",
                "readiness DOWN in every service within 15 s of the cut, all UP again within 60 s of the restore; both runs COMPLETED,"
                        + " results.json identical to an uninterrupted run, metrics events exactly once");
        System.out.printf("outage: DOWN after %s s; all UP %.1f s after the restore%n", downAfter, upAfter);
    }
}
