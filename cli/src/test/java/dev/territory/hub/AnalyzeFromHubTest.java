package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code territory analyze} with a Hub id: the command runs as its own process (the Hub settings
 * come from the environment, as for users) against the Hub-like test server, downloads into a
 * fresh cache, and records the resolved commit and the weight hashes in results.json.
 * Lives in the hub package to reach the test server of the hub module's test jar.
 */
class AnalyzeFromHubTest {

    @Test
    void analyzesAHubModelPinnedToABranchAndRecordsTheCommit(@TempDir Path tmp) throws Exception {
        try (FakeHub hub = new FakeHub()) {
            HubFixtures.Commits commits = HubFixtures.populate(hub);
            Path out = tmp.resolve("out");
            Path instruct = repoRoot().resolve("testdata/fixtures/models/llama3-gqa-instruct");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "dev.territory.cli.Territory",
                    "analyze",
                    "--base",
                    HubFixtures.LLAMA + "@main",
                    "--instruct",
                    instruct.toString(),
                    "--seeds",
                    "42",
                    "--out",
                    out.toString()));
            pb.environment().put("HF_ENDPOINT", hub.endpoint());
            pb.environment().put("HF_HUB_CACHE", tmp.resolve("cache").toString());
            pb.environment().remove("HF_TOKEN");
            pb.environment().remove("HF_HUB_OFFLINE");
            pb.redirectErrorStream(true);
            File log = tmp.resolve("analyze.log").toFile();
            pb.redirectOutput(log);
            Process process = pb.start();
            assertThat(process.waitFor(5, TimeUnit.MINUTES))
                    .as("analyze finished")
                    .isTrue();
            String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(output).isZero();

            JsonNode results =
                    new ObjectMapper().readTree(out.resolve("results.json").toFile());
            JsonNode base = results.at("/provenance/models/base");
            assertThat(base.get("name").asText()).isEqualTo(HubFixtures.LLAMA);
            assertThat(base.get("revision").asText()).isEqualTo(commits.main());
            assertThat(base.at("/weight_files/0/sha256").asText())
                    .isEqualTo(Hashes.sha256(
                            repoRoot().resolve("testdata/fixtures/models/llama3-gqa-base/model.safetensors")));
            assertThat(results.at("/results/base/specialization/num_heads").asInt())
                    .isEqualTo(8);
            assertThat(tmp.resolve(
                            "cache/models--territory--llama3-gqa-base/snapshots/" + commits.main() + "/config.json"))
                    .exists();
        }
    }

    private static Path repoRoot() {
        String configured = System.getProperty("territory.repo.root");
        Path dir = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("testdata/fixtures"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
