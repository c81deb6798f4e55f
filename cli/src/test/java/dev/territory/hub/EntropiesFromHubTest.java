package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.cli.Territory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code territory entropies --model org/name@rev} as its own process (Hub settings from the
 * environment, as for users) against the Hub-like test server: the model is downloaded into a
 * fresh Hub cache and its entropies are line for line those of the fixture directory it was
 * published from; a repository the Hub does not have exits 2 with the Hub's 404 message.
 * Lives in the hub package to reach the test server of the hub module's test jar.
 */
class EntropiesFromHubTest {

    @Test
    void computesTheEntropiesOfAHubModelAtATagAndNamesAMissingRepository(@TempDir Path tmp) throws Exception {
        try (FakeHub hub = new FakeHub()) {
            HubFixtures.Commits commits = HubFixtures.populate(hub);
            Map<String, String> env = Map.of(
                    "HF_ENDPOINT",
                    hub.endpoint(),
                    "HF_HUB_CACHE",
                    tmp.resolve("cache").toString(),
                    "HF_TOKEN",
                    HubFixtures.GRANTED_TOKEN);
            Path fromHub = tmp.resolve("hub.jsonl");
            Run run = territory(
                    tmp,
                    env,
                    "entropies",
                    "--model",
                    HubFixtures.LLAMA + "@v1",
                    "--max-length",
                    "32",
                    "--out",
                    fromHub.toString());
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(tmp.resolve("cache/models--territory--llama3-gqa-base/snapshots/" + commits.main()
                            + "/model.safetensors"))
                    .exists();
            assertThat(tmp.resolve("cache/models--territory--llama3-gqa-base/refs/v1"))
                    .hasContent(commits.main());

            Path local = tmp.resolve("local.jsonl");
            assertThat(Territory.execute(
                            "entropies",
                            "--model",
                            HubFixtures.modelsDir().resolve("llama3-gqa-base").toString(),
                            "--max-length",
                            "32",
                            "--out",
                            local.toString()))
                    .isZero();
            List<String> expected = Files.readAllLines(local);
            assertThat(expected).hasSize(10);
            assertThat(Files.readAllLines(fromHub)).containsExactlyElementsOf(expected);

            Run missing = territory(
                    tmp,
                    env,
                    "entropies",
                    "--model",
                    "territory/no-such-model@main",
                    "--out",
                    tmp.resolve("none.jsonl").toString());
            assertThat(missing.exit()).as(missing.output()).isEqualTo(2);
            assertThat(missing.output())
                    .contains("error: 404: repository territory/no-such-model not found at " + hub.endpoint());
            assertThat(tmp.resolve("none.jsonl")).doesNotExist();
        }
    }

    record Run(int exit, String output) {}

    static Run territory(Path tmp, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.territory.cli.Territory"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("HF_TOKEN");
        pb.environment().remove("HF_HUB_OFFLINE");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        File log = Files.createTempFile(tmp, "territory", ".log").toFile();
        pb.redirectOutput(log);
        Process process = pb.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES))
                .as("territory %s finished", args[0])
                .isTrue();
        return new Run(process.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
    }
}
