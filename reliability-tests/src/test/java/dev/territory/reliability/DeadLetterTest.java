package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Role;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.Topics;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Unusable events on the vector topic go to the dead-letter topic with the reason in headers,
 * and the valid vectors behind them on the same partition are still counted.
 */
@Order(30)
class DeadLetterTest {

    static EntropyVectorComputed vector(String runId, int prompt, float value) {
        float[][] e = new float[6][8];
        for (float[] row : e) {
            java.util.Arrays.fill(row, value);
        }
        e[0][prompt] = value / 2; // prompts differ a little
        return EntropyVectorComputed.of(
                runId, Role.BASE, 42, List.of(42), prompt, 2, 5, "llama", 2, "float32", "e11-v3", "0.1.0", e);
    }

    @Test
    void badVectorsAreDeadLetteredWithTheReasonAndThePartitionKeepsFlowing() throws Exception {
        Pipeline p = Pipeline.shared();
        String runId = "dlq-known";
        // a requested run (its models do not exist, so inference fails it; metrics-service knows it was requested)
        ObjectNode request =
                Requests.cheap(runId, p.models.resolve("no-such-model"), p.models.resolve("no-such-model"));
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(request));
        p.events.awaitOutcome(runId, Duration.ofSeconds(60));

        EntropyVectorComputed good0 = vector(runId, 0, 0.5f);
        ObjectNode wrongLength = (ObjectNode) EventCodec.mapper().readTree(EventCodec.encode(good0));
        wrongLength.put("entropies", java.util.Base64.getEncoder().encodeToString(new byte[4 * 47]));
        EntropyVectorComputed nan = vector(runId, 1, Float.NaN);
        EntropyVectorComputed unknown = vector("dlq-never-requested", 0, 0.5f);
        String key = good0.key();
        p.events.send(Topics.ENTROPY_VECTORS, key, Requests.bytes(wrongLength));
        p.events.send(Topics.ENTROPY_VECTORS, key, EventCodec.encode(nan));
        p.events.send(Topics.ENTROPY_VECTORS, unknown.key(), EventCodec.encode(unknown));
        p.events.send(Topics.ENTROPY_VECTORS, key, "not json at all");
        p.events.send(Topics.ENTROPY_VECTORS, key, EventCodec.encode(good0));
        p.events.send(Topics.ENTROPY_VECTORS, key, EventCodec.encode(vector(runId, 1, 0.25f)));

        String lengthReason = deadLetter(p, key, "got 188");
        String nanReason = deadLetter(p, key, "NaN");
        String unknownReason = deadLetter(p, unknown.key(), "unknown run");
        String notJsonReason = deadLetter(p, key, "not JSON");
        EventLog.Rec seedMetrics = p.events.await(
                "SeedMetricsComputed of " + runId + " after the bad vectors",
                r -> r.topic().equals(Topics.METRICS_COMPUTED)
                        && r.event(SeedMetricsComputed.class)
                                .map(m -> m.runId().equals(runId))
                                .orElse(false),
                Duration.ofSeconds(60));
        assertThat(seedMetrics.event(SeedMetricsComputed.class).orElseThrow().promptCount())
                .isEqualTo(2);
        p.assertAllUp();
        String flow = "; later valid vectors on the same partition still aggregated";
        ReliabilityTable.record(
                "bad event",
                "vector whose payload has 47 floats for a 6x8 shape",
                "dead-lettered: " + lengthReason + flow);
        ReliabilityTable.record("bad event", "vector with a NaN entropy", "dead-lettered: " + nanReason + flow);
        ReliabilityTable.record(
                "bad event", "vector of a run never requested", "dead-lettered: " + unknownReason + flow);
        ReliabilityTable.record("bad event", "vector that is not JSON", "dead-lettered: " + notJsonReason + flow);
    }

    static String deadLetter(Pipeline p, String key, String reasonPart) {
        EventLog.Rec r = p.events.await(
                "dead letter with '" + reasonPart + "' for key " + key,
                x -> x.topic().equals(Topics.DEAD_LETTER)
                        && key.equals(x.key())
                        && x.headers()
                                .getOrDefault(DeadLetterHeaders.REASON, "")
                                .contains(reasonPart),
                Duration.ofSeconds(60));
        assertThat(r.headers())
                .containsEntry(DeadLetterHeaders.SERVICE, "metrics-service")
                .containsEntry(DeadLetterHeaders.TOPIC, Topics.ENTROPY_VECTORS)
                .containsKey(DeadLetterHeaders.OFFSET);
        String reason = r.headers().get(DeadLetterHeaders.REASON);
        return reason.length() > 160 ? reason.substring(0, 160) + "…" : reason;
    }
}
