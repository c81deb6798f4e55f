package dev.territory.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Access, through the whole pipeline: the report service's write endpoints with the API
 * keys of its environment (TERRITORY_API_KEYS): 401 and 403 refuse, a write key submits a run that
 * completes, and cancels a running one, which the inference service honours after its seed.
 */
@Order(60)
class ApiAccessTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> post(String url, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void writesNeedAWriteKeyAndSubmitAndCancelGoThroughThePipeline() throws Exception {
        Pipeline p = Pipeline.shared();
        String api = p.service(Pipeline.REPORT).url() + "/api/runs";
        ObjectNode cheap =
                Requests.cheap("api-submitted", p.fixture("llama3-gqa-base"), p.fixture("llama3-gqa-instruct"));
        cheap.remove("eventId");
        cheap.remove("occurredAt");
        cheap.remove("schemaVersion");
        cheap.remove("type");
        String body = cheap.toString();

        assertThat(post(api, null, body).statusCode()).isEqualTo(401);
        assertThat(post(api, "wrong-key-0123456789abcdef", body).statusCode()).isEqualTo(401);
        assertThat(post(api, Pipeline.READ_KEY, body).statusCode()).isEqualTo(403);
        assertThat(post(api + "/api-submitted/cancel", Pipeline.READ_KEY, "").statusCode())
                .isEqualTo(403);
        assertThat(p.status(api + "/api-submitted")).as("nothing submitted").isEqualTo(404);
        assertThat(p.status(api)).as("reading is open by default").isEqualTo(200);

        HttpResponse<String> accepted = post(api, Pipeline.WRITE_KEY, body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(p.events.awaitOutcome("api-submitted", Duration.ofMinutes(3)).topic())
                .isEqualTo(Topics.RUNS_COMPLETED);

        // cancel: a run of many seeds, cancelled once its first vectors are out
        ObjectNode longRun =
                Requests.request("api-cancelled", p.fixture("llama3-gqa-base"), p.fixture("llama3-gqa-instruct"));
        ArrayNode seeds = longRun.putArray("seeds");
        for (int s = 1; s <= 30; s++) {
            seeds.add(s);
        }
        p.events.send(Topics.RUNS_REQUESTED, "api-cancelled", Requests.bytes(longRun));
        p.events.await(
                "first vector of api-cancelled",
                r -> r.topic().equals(Topics.ENTROPY_VECTORS)
                        && r.key() != null
                        && r.key().startsWith("api-cancelled/"),
                Duration.ofMinutes(3));
        HttpResponse<String> cancel = post(api + "/api-cancelled/cancel", Pipeline.WRITE_KEY, "");
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        RunFailed failed = p.events
                .awaitOutcome("api-cancelled", Duration.ofMinutes(1))
                .event(RunFailed.class)
                .orElseThrow();
        assertThat(failed.reason()).startsWith("cancelled by write-key-");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!p.service(Pipeline.INFERENCE).logText().contains("run api-cancelled failed elsewhere")) {
            assertThat(System.nanoTime())
                    .as("inference stopping the cancelled run's job")
                    .isLessThan(deadline);
            Pipeline.sleep(200);
        }
        int vectors = p.events.all(KillTest.vectorsOf("api-cancelled")).size();
        assertThat(vectors)
                .as("vectors of a 30-seed run (600) before the cancel took effect")
                .isLessThan(600);
        assertThat(p.service(Pipeline.REPORT).logText())
                .doesNotContain(Pipeline.WRITE_KEY)
                .doesNotContain(Pipeline.READ_KEY);
        p.assertAllUp();
        ReliabilityTable.record(
                "access",
                "POST /api/runs and /api/runs/{id}/cancel without a key, with an unknown key, with a read key",
                "401, 401, 403 (nothing submitted); reading open by default");
        ReliabilityTable.record(
                "access",
                "POST /api/runs with a write key; POST /api/runs/{id}/cancel on a running 30-seed run",
                "202 and the run COMPLETED; cancel 202, run FAILED 'cancelled by write-key-…', inference stopped the job after its"
                        + " seed in progress; no key in the report-service log");
    }
}
