package dev.territory.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Float32Codec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RoleMetricsComputed;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.RunStatisticsComputed;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.contracts.TerritoryEvent;
import dev.territory.contracts.Topics;
import dev.territory.kafka.test.KafkaResource;
import dev.territory.kafka.test.TestKafka;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import dev.territory.statistics.StatisticsBlock;
import dev.territory.statistics.Uncertainty;
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
@QuarkusTestResource(
        value = KafkaResource.class,
        initArgs = @ResourceArg(name = "territory.report.results-dir", value = "report-results"))
class ReportServiceTest {

    static Path repo() {
        String root = System.getProperty("territory.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    @Test
    void metricsOfBothModelsBecomeTheReportOnceAndAreServed() throws Exception {
        JsonNode reference = new ObjectMapper()
                .readTree(repo().resolve("testdata/fixtures/reference/llama3-gqa.float32.json")
                        .toFile());
        String runId = "report-" + UUID.randomUUID();
        Path models = repo().resolve("testdata/fixtures/models");
        RunRequested request = RunRequested.of(
                        runId,
                        ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                        ModelRef.local(models.resolve("llama3-gqa-instruct").toString()))
                .withDtype("float32"); // the metrics below
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(Topics.RUNS_REQUESTED, request));
        for (Role role : Role.values()) {
            records.add(record(
                    Topics.RUNS_PROGRESS,
                    ModelLoaded.of(
                            runId,
                            role,
                            new ModelInfo(
                                    "llama3-gqa-" + role.id(),
                                    models.resolve("llama3-gqa-" + role.id()).toString(),
                                    null,
                                    "llama",
                                    6,
                                    8,
                                    2,
                                    16,
                                    "float32",
                                    2048,
                                    null,
                                    List.of()),
                            0.1)));
            RoleMetricsComputed metrics = roleMetrics(runId, role, reference);
            records.add(record(Topics.METRICS_COMPUTED, metrics));
            records.add(record(Topics.METRICS_COMPUTED, metrics)); // delivered twice
            for (SeedMetricsComputed seed : seedMetrics(runId, role, reference)) {
                records.add(record(Topics.METRICS_COMPUTED, seed));
            }
            records.add(record(
                    Topics.METRICS_COMPUTED, seedMetrics(runId, role, reference).get(0))); // the first again
        }
        RunStatisticsComputed statistics = statistics(runId, reference);
        records.add(record(Topics.METRICS_COMPUTED, statistics));
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
        given().get("/runs/" + runId)
                .then()
                .body(
                        "verdict",
                        org.hamcrest.Matchers.startsWith(
                                reference.get("verdict").get("code").asText() + " ("));

        String json = given().get("/runs/" + runId + "/files/results.json")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        JsonNode results = new ObjectMapper().readTree(json);
        assertThat(results.at("/results/verdict/code").asText())
                .isEqualTo(reference.get("verdict").get("code").asText());
        assertThat(results.at("/results/verdict/delta_specialization").asDouble())
                .isCloseTo(reference.get("verdict").get("delta_specialization").asDouble(), within(1e-9));
        assertThat(results.at("/results/base/specialization/specialization_index")
                        .asDouble())
                .isCloseTo(
                        reference
                                .at("/base/aggregate/specialization/specialization_index")
                                .asDouble(),
                        within(1e-9));
        assertThat(results.at("/results/mha_comparison/mha_verdict").asText()).isEqualTo("C_REFUTED");
        // the statistics block is the metrics service's, as sent: this service only assembles
        assertThat(results.get("statistics"))
                .isEqualTo(new ObjectMapper()
                        .readTree(EventCodec.encode(statistics))
                        .get("statistics"));
        assertThat(results.at("/statistics/uncertainty").asText())
                .isEqualTo("computed on the per-prompt entropies of seed 42" + " of both models, paired by prompt");
        assertThat(results.at("/results/verdict/evidence").asText()).isNotEqualTo("not computed");
        // the entropy exports are the first seed's prompts of both models, as its metrics events carried them
        List<String> jsonl = given().get("/runs/" + runId + "/files/entropies.jsonl")
                .then()
                .statusCode(200)
                .extract()
                .asString()
                .lines()
                .toList();
        assertThat(jsonl).hasSize(2 * 10);
        JsonNode first = new ObjectMapper().readTree(jsonl.get(0));
        assertThat(first.get("role").asText()).isEqualTo("base");
        assertThat(first.get("seed").asInt()).isEqualTo(42);
        assertThat(first.get("promptIndex").asInt()).isZero();
        double[][] sent = MetricsJson.readCube(reference.at("/base/seeds/0/per_prompt_entropies"))[0];
        double[][] exported = MetricsJson.readMatrix(first.get("entropies"));
        assertThat(exported).hasDimensions(6, 8);
        for (int l = 0; l < 6; l++) {
            for (int h = 0; h < 8; h++) {
                assertThat(exported[l][h]).isEqualTo((double) (float) sent[l][h]); // the event's float32, widened
            }
        }
        assertThat(new ObjectMapper().readTree(jsonl.get(10)).get("role").asText())
                .isEqualTo("instruct");
        List<String> csv = given().get("/runs/" + runId + "/files/entropies.csv")
                .then()
                .statusCode(200)
                .extract()
                .asString()
                .lines()
                .toList();
        assertThat(csv).hasSize(1 + 2 * 10 * 6 * 8);
        assertThat(csv.get(0)).isEqualTo("model,seed,prompt,layer,head,value,sink_mass,row_entropy");
        given().get("/runs/" + runId + "/files/..%2Frun-state.json").then().statusCode(404);
        given().get("/runs/nope-" + UUID.randomUUID()).then().statusCode(404);

        // the same metrics again, and a late failure: a completed run stays as it is
        send(List.of(
                record(Topics.METRICS_COMPUTED, roleMetrics(runId, Role.BASE, reference)),
                record(Topics.RUNS_FAILED, RunFailed.of(runId, "test", "late"))));
        Thread.sleep(1000);
        given().get("/runs/" + runId).then().body("status", equalTo("COMPLETED"));

        String failedRun = "failed-" + UUID.randomUUID();
        send(List.of(
                record(Topics.RUNS_REQUESTED, RunRequested.of(failedRun, ModelRef.local("/x"), ModelRef.local("/y"))),
                record(
                        Topics.RUNS_FAILED,
                        RunFailed.of(failedRun, "inference-service", "base model /x: not a directory"))));
        deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline
                && given().get("/runs/" + failedRun).statusCode() != 200) {
            Thread.sleep(200);
        }
        for (int i = 0;
                i < 50
                        && !"FAILED"
                                .equals(given().get("/runs/" + failedRun)
                                        .jsonPath()
                                        .getString("status"));
                i++) {
            Thread.sleep(200);
        }
        given().get("/runs/" + failedRun)
                .then()
                .body("status", equalTo("FAILED"))
                .body("failure", equalTo("inference-service: base model /x: not a directory"));
    }

    /** What the metrics service would emit: the notebook's functions over the reference per-prompt entropies. */
    static RoleMetricsComputed roleMetrics(String runId, Role role, JsonNode reference) {
        List<SeedMetrics> seeds = new ArrayList<>();
        List<Integer> seedIds = new ArrayList<>();
        for (JsonNode seed : reference.get(role.id()).get("seeds")) {
            seedIds.add(seed.get("seed").asInt());
            seeds.add(NotebookMetrics.seed(
                    seed.get("seed").asInt(),
                    MetricsJson.readCube(seed.get("per_prompt_entropies")),
                    reference.get("num_kv_heads").asInt()));
        }
        RoleMetrics metrics = NotebookMetrics.aggregate(seeds);
        ObjectNode json = MetricsJson.roleDocument(metrics);
        return new RoleMetricsComputed(
                RoleMetricsComputed.idFor(runId, role),
                1,
                Instant.now(),
                runId,
                role,
                seedIds,
                10,
                new dev.territory.contracts.ModelShape("llama", 6, 8, 2),
                "float32",
                "e11-v3",
                "test",
                json);
    }

    /**
     * What the metrics service would emit per seed: the seed's metrics, and on the first seed only its prompts'
     * vectors (the reference per-prompt entropies as float32).
     */
    static List<SeedMetricsComputed> seedMetrics(String runId, Role role, JsonNode reference) {
        List<SeedMetricsComputed> out = new ArrayList<>();
        JsonNode seeds = reference.get(role.id()).get("seeds");
        for (int i = 0; i < seeds.size(); i++) {
            JsonNode seed = seeds.get(i);
            double[][][] perPrompt = MetricsJson.readCube(seed.get("per_prompt_entropies"));
            List<SeedMetricsComputed.Prompt> prompts = new ArrayList<>();
            if (i == 0) {
                for (int p = 0; p < perPrompt.length; p++) {
                    float[][] f = new float[perPrompt[p].length][];
                    for (int l = 0; l < f.length; l++) {
                        f[l] = new float[perPrompt[p][l].length];
                        for (int h = 0; h < f[l].length; h++) {
                            f[l][h] = (float) perPrompt[p][l][h];
                        }
                    }
                    prompts.add(new SeedMetricsComputed.Prompt(p, 12, Float32Codec.encode(f), Map.of()));
                }
            }
            SeedMetrics metrics = NotebookMetrics.seed(
                    seed.get("seed").asInt(),
                    perPrompt,
                    reference.get("num_kv_heads").asInt());
            out.add(new SeedMetricsComputed(
                    SeedMetricsComputed.idFor(runId, role, seed.get("seed").asInt()),
                    1,
                    Instant.now(),
                    runId,
                    role,
                    seed.get("seed").asInt(),
                    List.of(42, 123, 456),
                    perPrompt.length,
                    new dev.territory.contracts.ModelShape("llama", 6, 8, 2),
                    "float32",
                    "e11-v3",
                    "test",
                    MetricsJson.toJson(metrics),
                    prompts));
        }
        return out;
    }

    /** What the metrics service would emit: the statistics block over the first seed's reference entropies. */
    static RunStatisticsComputed statistics(String runId, JsonNode reference) {
        List<PromptReductions> prompts = new ArrayList<>();
        RoleMetrics[] roles = new RoleMetrics[2];
        for (Role role : Role.values()) {
            JsonNode first = reference.get(role.id()).get("seeds").get(0);
            double[][][] perPrompt = MetricsJson.readCube(first.get("per_prompt_entropies"));
            for (int p = 0; p < perPrompt.length; p++) {
                prompts.add(new PromptReductions(
                        role.id(), first.get("seed").asInt(), p, perPrompt[p], null, null, null, null));
            }
            roles[role.ordinal()] = MetricsJson.readRoleDocument(
                    roleMetrics(runId, role, reference).metrics());
        }
        StatisticsBlock block = StatisticsBlock.compute(
                new StatisticsBlock.Run(List.of(42, 123, 456), "e11-v3", 2),
                roles[0],
                roles[1],
                prompts,
                new Uncertainty.Options(200, 500, 42, 0.95));
        return RunStatisticsComputed.of(runId, block.json(), block.uncertaintyJson());
    }

    private static ProducerRecord<String, byte[]> record(String topic, TerritoryEvent event) {
        return new ProducerRecord<>(topic, event.runId(), EventCodec.encode(event));
    }

    private static void send(List<ProducerRecord<String, byte[]>> records) {
        try (var producer = new KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", TestKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            records.forEach(producer::send);
        }
    }
}
