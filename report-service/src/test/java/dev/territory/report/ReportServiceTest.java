package dev.territory.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunCompleted;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The report service on the real broker, fed the events the other services would send for the GQA
 * fixture pair (metrics computed from the notebook's per-prompt entropies): verdict, results.json
 * and the REST endpoints; repeated events change nothing; a run failed elsewhere is FAILED here.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "territory.report.results-dir", value = "report-results"))
class ReportServiceTest {

    static Path repo() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    @Test
    void metricsOfBothModelsBecomeTheReportOnceAndAreServed() throws Exception {
        JsonNode reference = new ObjectMapper().readTree(repo().resolve("testdata/fixtures/reference/llama3-gqa.float32.json").toFile());
        String runId = "report-" + UUID.randomUUID();
        Path models = repo().resolve("testdata/fixtures/models");
        RunRequested request = RunRequested.of(runId, ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                ModelRef.local(models.resolve("llama3-gqa-instruct").toString())).withDtype("float32"); // the metrics below
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.RUNS_REQUESTED, request));
        for (Role role : Role.values()) {
            records.add(record(Topics.RUNS_PROGRESS, ModelLoaded.of(runId, role, new ModelInfo("llama3-gqa-" + role.id(),
                    models.resolve("llama3-gqa-" + role.id()).toString(), null, "llama", 6, 8, 2, 16, "float32", 2048, null,
                    List.of()), 0.1)));
            RoleMetricsComputed metrics = roleMetrics(runId, role, reference);
            records.add(record(Topics.METRICS_COMPUTED, metrics));
            records.add(record(Topics.METRICS_COMPUTED, metrics)); // delivered twice
        }
        send(records);

        long deadline = System.currentTimeMillis() + 60_000;
        String status = "";
        while (!status.equals("COMPLETED") && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            var response = given().get("/runs/" + runId);
            status = response.statusCode() == 200 ? response.jsonPath().getString("status") : "";
        }
        assertThat(status).isEqualTo("COMPLETED");
        // the run's verdict is the line with its evidence: the code, then what the intervals support
        given().get("/runs/" + runId).then().body("verdict", org.hamcrest.Matchers.startsWith(
                reference.get("verdict").get("code").asText() + " ("));

        String json = given().get("/runs/" + runId + "/files/results.json").then().statusCode(200).extract().asString();
        JsonNode results = new ObjectMapper().readTree(json);
        assertThat(results.at("/results/verdict/code").asText()).isEqualTo(reference.get("verdict").get("code").asText());
        assertThat(results.at("/results/verdict/delta_specialization").asDouble())
                .isCloseTo(reference.get("verdict").get("delta_specialization").asDouble(), within(1e-9));
        assertThat(results.at("/results/base/specialization/specialization_index").asDouble())
                .isCloseTo(reference.at("/base/aggregate/specialization/specialization_index").asDouble(), within(1e-9));
        assertThat(results.at("/results/mha_comparison/mha_verdict").asText()).isEqualTo("C_REFUTED");
        given().get("/runs/" + runId + "/files/..%2Frun-state.json").then().statusCode(404);
        given().get("/runs/nope-" + UUID.randomUUID()).then().statusCode(404);

        // the same metrics again, and a late failure: a completed run stays as it is
        send(List.of(record(Topics.METRICS_COMPUTED, roleMetrics(runId, Role.BASE, reference)),
                record(Topics.RUNS_FAILED, RunFailed.of(runId, "test", "late"))));
        Thread.sleep(1000);
        given().get("/runs/" + runId).then().body("status", equalTo("COMPLETED"));

        String failedRun = "failed-" + UUID.randomUUID();
        send(List.of(record(Topics.RUNS_REQUESTED, RunRequested.of(failedRun, ModelRef.local("/x"), ModelRef.local("/y"))),
                record(Topics.RUNS_FAILED, RunFailed.of(failedRun, "inference-service", "base model /x: not a directory"))));
        deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline && given().get("/runs/" + failedRun).statusCode() != 200) {
            Thread.sleep(200);
        }
        for (int i = 0; i < 50 && !"FAILED".equals(given().get("/runs/" + failedRun).jsonPath().getString("status")); i++) {
            Thread.sleep(200);
        }
        given().get("/runs/" + failedRun).then().body("status", equalTo("FAILED"))
                .body("failure", equalTo("inference-service: base model /x: not a directory"));
    }

    /** What the metrics service would emit: the notebook's functions over the reference per-prompt entropies. */
    static RoleMetricsComputed roleMetrics(String runId, Role role, JsonNode reference) {
        List<SeedMetrics> seeds = new ArrayList<>();
        List<Integer> seedIds = new ArrayList<>();
        for (JsonNode seed : reference.get(role.id()).get("seeds")) {
            seedIds.add(seed.get("seed").asInt());
            seeds.add(NotebookMetrics.seed(seed.get("seed").asInt(), MetricsJson.readCube(seed.get("per_prompt_entropies")),
                    reference.get("num_kv_heads").asInt()));
        }
        RoleMetrics metrics = NotebookMetrics.aggregate(seeds);
        ObjectNode json = MetricsJson.toJson(metrics);
        json.set("seed_spread", MetricsJson.toJson(metrics.seedSpread()));
        return new RoleMetricsComputed(RoleMetricsComputed.idFor(runId, role), 1, Instant.now(), runId, role, seedIds, 10,
                new dev.territory.contracts.ModelShape("llama", 6, 8, 2), "float32", "e11-v3", "test", json);
    }

    private static ProducerRecord<String, byte[]> record(String topic, TerritoryEvent event) {
        return new ProducerRecord<>(topic, event.runId(), EventCodec.encode(event));
    }

    private static void send(List<ProducerRecord<String, byte[]>> records) {
        try (var producer = new KafkaProducer<String, byte[]>(Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
        }
    }
}
