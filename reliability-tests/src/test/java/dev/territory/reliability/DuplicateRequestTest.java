package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.DeadLetterHeaders;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.Topics;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The same RunRequested twice starts one run; the same runId with another specification is refused. */
@Order(20)
class DuplicateRequestTest {

    @Test
    void sameRequestTwiceStartsOneRunAndADifferentSpecIsRefused() throws Exception {
        Pipeline p = Pipeline.shared();
        String runId = "dup-request";
        ObjectNode request = Requests.cheap(runId, p.fixture("llama3-gqa-base"), p.fixture("llama3-gqa-instruct"));
        byte[] bytes = Requests.bytes(request);
        p.events.send(Topics.RUNS_REQUESTED, runId, bytes);
        p.events.send(Topics.RUNS_REQUESTED, runId, bytes); // redelivered
        ObjectNode other = request.deepCopy();
        other.put("eventId", "e-other").putArray("seeds").add(7);
        p.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(other));

        EventLog.Rec refused = p.events.await(
                "dead letter refusing the different specification",
                r -> r.topic().equals(Topics.DEAD_LETTER)
                        && runId.equals(r.key())
                        && r.headers()
                                .getOrDefault(DeadLetterHeaders.REASON, "")
                                .contains("different specification"),
                Duration.ofSeconds(60));
        EventLog.Rec duplicate = p.events.await(
                "dead letter of the repeated request",
                r -> r.topic().equals(Topics.DEAD_LETTER)
                        && runId.equals(r.key())
                        && r.headers()
                                .getOrDefault(DeadLetterHeaders.REASON, "")
                                .contains("already requested"),
                Duration.ofSeconds(60));
        EventLog.Rec outcome = p.events.awaitOutcome(runId, Duration.ofSeconds(120));
        assertThat(outcome.topic()).isEqualTo(Topics.RUNS_COMPLETED);
        Pipeline.sleep(2000); // anything a second run would have produced has had time to arrive
        assertThat(p.events.all(r -> r.topic().equals(Topics.MODEL_JOBS)
                        && r.event(ModelJobRequested.class)
                                .map(j -> j.runId().equals(runId))
                                .orElse(false)))
                .as("model jobs of the run")
                .hasSize(2);
        assertThat(p.events.all(r -> r.topic().equals(Topics.RUNS_COMPLETED) && runId.equals(r.key())))
                .hasSize(1);
        assertThat(p.events.all(r -> r.topic().equals(Topics.RUNS_FAILED) && runId.equals(r.key())))
                .isEmpty();
        p.assertAllUp();
        ReliabilityTable.record(
                "fault",
                "the same RunRequested delivered twice",
                "one run (2 model jobs, 1 RunCompleted); the repeat dead-lettered: "
                        + duplicate.headers().get(DeadLetterHeaders.REASON));
        ReliabilityTable.record(
                "fault",
                "a second RunRequested with the same runId and other seeds",
                "refused, the first run unaffected; dead-lettered: "
                        + refused.headers().get(DeadLetterHeaders.REASON));
    }
}
