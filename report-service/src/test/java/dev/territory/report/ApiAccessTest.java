package dev.territory.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.territory.kafka.test.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Access: keys from a mounted file (role:key per line), reading authenticated by
 * configuration. 401 without or with a wrong key, 403 for a read key that tries to write, 202 for a
 * write key; submit produces a RunRequested the service then follows; cancel fails the run.
 */
@QuarkusTest
@QuarkusTestResource(
        value = KafkaResource.class,
        initArgs = @ResourceArg(name = "territory.report.results-dir", value = "report-results"))
@TestProfile(ApiAccessTest.KeysFromFile.class)
class ApiAccessTest {

    static final String WRITE_KEY = "w-" + "0123456789abcdef-test-write";
    static final String READ_KEY = "r-" + "0123456789abcdef-test-read";

    public static class KeysFromFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path file = Files.createTempFile("api-keys", ".txt");
                Files.writeString(file, "# mounted secret\nwrite:" + WRITE_KEY + "\nread:" + READ_KEY + "\n");
                return Map.of(
                        "territory.report.auth.api-keys-file",
                        file.toString(),
                        "territory.report.auth.read",
                        "authenticated");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Inject
    RunStore store;

    static String body(String runId) {
        Path models = ReportServiceTest.repo().resolve("testdata/fixtures/models");
        return "{\"runId\":\"" + runId + "\",\"base\":{\"path\":\"" + models.resolve("llama3-gqa-base")
                + "\"},\"instruct\":{\"path\":\"" + models.resolve("llama3-gqa-instruct") + "\"},\"seeds\":[42]}";
    }

    @Test
    void readingNeedsAKeyWhenConfigured() {
        given().get("/api/runs").then().statusCode(401).header("WWW-Authenticate", containsString("X-Api-Key"));
        given().header("X-Api-Key", "not-a-key-of-this-service")
                .get("/api/runs")
                .then()
                .statusCode(401);
        given().header("X-Api-Key", READ_KEY).get("/api/runs").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200); // probes stay open
    }

    @Test
    void writingNeedsAWriteKey() throws Exception {
        String runId = "api-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType("application/json")
                .body(body(runId))
                .post("/api/runs")
                .then()
                .statusCode(401)
                .body("error", equalTo("missing X-Api-Key header"));
        given().header("X-Api-Key", WRITE_KEY + "x")
                .contentType("application/json")
                .body(body(runId))
                .post("/api/runs")
                .then()
                .statusCode(401)
                .body("error", equalTo("unknown API key"));
        given().header("X-Api-Key", READ_KEY)
                .contentType("application/json")
                .body(body(runId))
                .post("/api/runs")
                .then()
                .statusCode(403);
        given().header("X-Api-Key", READ_KEY)
                .post("/api/runs/" + runId + "/cancel")
                .then()
                .statusCode(403);
        given().post("/api/runs/" + runId + "/cancel").then().statusCode(401);
        assertThat(store.get(runId))
                .as("nothing submitted by the refused calls")
                .isEmpty();

        given().header("X-Api-Key", WRITE_KEY)
                .contentType("application/json")
                .body("{\"runId\":\"x\",\"seeds\":[]}")
                .post("/api/runs")
                .then()
                .statusCode(400);
        given().header("X-Api-Key", WRITE_KEY)
                .contentType("application/json")
                .body(body(runId))
                .post("/api/runs")
                .then()
                .statusCode(202)
                .body("runId", equalTo(runId))
                .header("Location", "/api/runs/" + runId);
        awaitStatus(runId, "PENDING");

        given().header("X-Api-Key", WRITE_KEY)
                .post("/api/runs/no-such-run/cancel")
                .then()
                .statusCode(404);
        given().header("X-Api-Key", WRITE_KEY)
                .post("/api/runs/" + runId + "/cancel")
                .then()
                .statusCode(202)
                .body("status", equalTo("CANCEL_REQUESTED"));
        awaitStatus(runId, "FAILED");
        assertThat(store.get(runId).orElseThrow().failure()).startsWith("report-service: cancelled by write-key-");
        assertThat(store.get(runId).orElseThrow().failure()).doesNotContain(WRITE_KEY);
        given().header("X-Api-Key", WRITE_KEY)
                .post("/api/runs/" + runId + "/cancel")
                .then()
                .statusCode(409);
    }

    private void awaitStatus(String runId, String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (store.get(runId)
                    .filter(s -> status.equals(s.status()) && s.request() != null)
                    .isPresent()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + runId + " not " + status + ": " + store.get(runId));
    }
}
