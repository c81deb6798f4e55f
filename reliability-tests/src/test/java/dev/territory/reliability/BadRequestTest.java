package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad run requests sent to the real pipeline: each ends as RunFailed naming the problem, the
 * report service shows the run FAILED with that reason, and every service stays up.
 */
@Order(10)
class BadRequestTest {

    static Pipeline pipeline;
    static Path base;
    static Path instruct;

    @BeforeAll
    static void start() throws Exception {
        pipeline = Pipeline.shared();
        base = pipeline.fixture("llama3-gqa-base");
        instruct = pipeline.fixture("llama3-gqa-instruct");
    }

    /** One bad request: the payload sent with key runId, and the words the failure must contain. */
    record Case(String runId, String input, byte[] payload, String expected) {}

    private static Case edit(String runId, String input, Consumer<ObjectNode> change, String expected) {
        ObjectNode r = Requests.cheap(runId, base, instruct);
        change.accept(r);
        return new Case(runId, input, Requests.bytes(r), expected);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case(
                "bad-not-json",
                "request that is not JSON",
                "this is {not json".getBytes(StandardCharsets.UTF_8),
                "not JSON"));
        c.add(edit("bad-missing-base", "request without `base`", r -> r.remove("base"), "missing field 'base'"));
        c.add(edit(
                "bad-missing-runid-field",
                "request without `eventId`",
                r -> r.remove("eventId"),
                "missing field 'eventId'"));
        c.add(edit("bad-mistyped-seeds", "`seeds` is a string", r -> r.put("seeds", "forty-two"), "seeds"));
        c.add(edit("bad-mistyped-maxlength", "`maxLength` is a word", r -> r.put("maxLength", "long"), "maxLength"));
        c.add(edit(
                "bad-schema-version",
                "`schemaVersion` 2",
                r -> r.put("schemaVersion", 2),
                "unsupported schemaVersion 2"));
        c.add(edit("bad-seeds-empty", "`seeds` empty", r -> r.putArray("seeds"), "seeds must not be empty"));
        c.add(edit(
                "bad-seeds-duplicated",
                "`seeds` [42, 42]",
                r -> r.putArray("seeds").add(42).add(42),
                "seed 42 is listed twice"));
        c.add(edit("bad-maxlength-zero", "`maxLength` 0", r -> r.put("maxLength", 0), "maxLength must be > 0"));
        c.add(edit("bad-maxlength-negative", "`maxLength` -5", r -> r.put("maxLength", -5), "maxLength must be > 0"));
        c.add(edit(
                "bad-maxlength-huge",
                "`maxLength` 100000",
                r -> r.put("maxLength", 100000),
                "maxLength 100000 is above the limit 32768"));
        c.add(edit(
                "bad-maxlength-model",
                "`maxLength` 4096 above the model's 2048 positions",
                r -> r.put("maxLength", 4096),
                "maxLength 4096 is above the base model's max_position_embeddings 2048"));
        c.add(edit(
                "bad-prompt-md5",
                "inline prompts with a wrong MD5",
                r -> ((ObjectNode) r.get("prompts")).put("md5", "00000000000000000000000000000000"),
                "prompt integrity error: expected MD5 00000000000000000000000000000000"));
        c.add(edit("bad-protocol", "`protocol` e12-v9", r -> r.put("protocol", "e12-v9"), "unknown protocol 'e12-v9'"));
        c.add(edit("bad-dtype", "`dtype` int4", r -> r.put("dtype", "int4"), "unknown dtype 'int4'"));
        c.add(edit(
                "bad-model-outside-roots",
                "base model path outside the configured model roots",
                r -> ((ObjectNode) r.get("base"))
                        .put(
                                "path",
                                pipeline.repo
                                        .resolve("testdata/fixtures/models/llama3-gqa-base")
                                        .toString()),
                "outside the configured model roots"));
        c.add(edit(
                "bad-model-dotdot",
                "base model path escaping the root with `..`",
                r -> ((ObjectNode) r.get("base"))
                        .put(
                                "path",
                                pipeline.models
                                        .resolve("../../../../testdata/fixtures/models/llama3-gqa-base")
                                        .toString()),
                "outside the configured model roots"));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> eachBadRequestFailsItsRunWithTheReasonAndNoServiceStops() {
        List<Case> cases = cases();
        for (Case c : cases) { // all at once: the pipeline handles them one after another
            pipeline.events.send(Topics.RUNS_REQUESTED, c.runId(), c.payload());
        }
        Stream<DynamicTest> valid = Stream.of(DynamicTest.dynamicTest("a valid run after all of them completes", () -> {
            String runId = "valid-after-bad-requests";
            pipeline.events.send(Topics.RUNS_REQUESTED, runId, Requests.bytes(Requests.cheap(runId, base, instruct)));
            EventLog.Rec outcome = pipeline.events.awaitOutcome(runId, Duration.ofSeconds(120));
            assertThat(outcome.topic())
                    .as("outcome of the valid run: " + outcome.text())
                    .isEqualTo(Topics.RUNS_COMPLETED);
            ReliabilityTable.record("bad request", "a valid run sent after all the bad requests", "COMPLETED");
        }));
        return Stream.concat(
                cases.stream()
                        .map(c -> DynamicTest.dynamicTest(c.input(), () -> {
                            EventLog.Rec outcome = pipeline.events.awaitOutcome(c.runId(), Duration.ofSeconds(90));
                            assertThat(outcome.topic())
                                    .as("outcome of " + c.runId())
                                    .isEqualTo(Topics.RUNS_FAILED);
                            RunFailed failed = outcome.event(RunFailed.class).orElseThrow();
                            assertThat(failed.reason()).contains(c.expected());
                            JsonNode state = awaitFailedInReport(c.runId());
                            assertThat(state.path("failure").asText()).contains(c.expected());
                            pipeline.assertAllUp();
                            ReliabilityTable.record(
                                    "bad request",
                                    c.input(),
                                    "run FAILED (" + failed.service() + "): "
                                            + Text.normalize(pipeline, failed.reason()) + "; all services up");
                        })),
                valid);
    }

    static JsonNode awaitFailedInReport(String runId) throws Exception {
        Pipeline pipeline = Pipeline.shared();
        String url = pipeline.service(Pipeline.REPORT).url() + "/api/runs/" + runId + "/state";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (pipeline.status(url) == 200) {
                last = EventCodec.mapper().readTree(pipeline.get(url));
                if ("FAILED".equals(last.path("status").asText())) {
                    return last;
                }
            }
            Pipeline.sleep(200);
        }
        throw new AssertionError("report-service does not show run " + runId + " as FAILED: " + last);
    }
}
