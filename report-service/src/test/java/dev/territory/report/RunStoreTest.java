package dev.territory.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.Float32Codec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.ModelShape;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.contracts.SeedMetricsComputed;
import dev.territory.reporting.EntropyRecord;
import dev.territory.statistics.MetricsJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStoreTest {

    @Test
    void aNewStoreOnTheSameDirectoryServesEveryRunItHad(@TempDir Path dir) throws Exception {
        RunStore store = new RunStore(dir);
        store.recordRequest(RunRequested.of("r1", ModelRef.local("/b"), ModelRef.local("/i")));
        store.recordProgress(RunProgress.of("r1", Role.BASE, 42, RunProgress.Stage.COMPUTING, 3, 10, null));
        store.recordProgress(
                RunProgress.of("r1", Role.BASE, 42, RunProgress.Stage.COMPUTING, 2, 10, null)); // late, older
        Files.writeString(dir.resolve("r1/results.json"), "{}");
        store.markCompleted("r1", "B_PARTIAL", true, List.of("results.json"));
        store.recordRequest(RunRequested.of("r2", ModelRef.local("/b"), ModelRef.local("/i")));
        store.markFailed("r2", "inference-service: bad");

        RunStore again = new RunStore(dir);
        assertThat(again.list()).extracting(RunState::runId).containsExactlyInAnyOrder("r1", "r2");
        assertThat(again.get("r1").orElseThrow().status()).isEqualTo("COMPLETED");
        assertThat(again.get("r1").orElseThrow().verdict()).isEqualTo("B_PARTIAL");
        assertThat(again.get("r1")
                        .orElseThrow()
                        .progressByModel()
                        .get("base")
                        .get("42")
                        .done())
                .isEqualTo(3);
        assertThat(again.get("r2").orElseThrow().failure()).isEqualTo("inference-service: bad");
        assertThat(again.file("r1", "results.json")).isPresent();
        assertThat(again.file("r1", "run-state.json")).isEmpty();
        assertThat(again.file("r2", "results.json")).isEmpty();
        assertThatThrownBy(() -> again.runDir("../x")).hasMessageContaining("invalid run id");
    }

    @Test
    void theFirstSeedsPromptsAreKeptOncePerRoleAndSurviveARestart(@TempDir Path dir) throws Exception {
        RunStore store = new RunStore(dir);
        store.recordSeedMetrics(seedEvent(Role.BASE, 42, 0.25f));
        store.recordSeedMetrics(seedEvent(Role.BASE, 42, 0.75f)); // a repeat changes nothing
        store.recordSeedMetrics(seedEvent(Role.BASE, 123, Float.NaN)); // not the first seed: carries no prompts
        store.recordSeedMetrics(seedEvent(Role.INSTRUCT, 42, 0.5f));

        RunState s = new RunStore(dir).get("r3").orElseThrow();
        assertThat(s.firstSeedMetrics()).containsOnlyKeys("base", "instruct");
        List<EntropyRecord> records = ReportBuilder.entropyRecords(s);
        assertThat(records)
                .extracting(r -> r.role() + "/" + r.seed() + "/" + r.promptIndex())
                .containsExactly("base/42/0", "base/42/1", "instruct/42/0", "instruct/42/1");
        assertThat(records.get(1).entropies()[2][3]).isEqualTo(0.25 + 1 + 2 * 0.125 + 3 * 0.0625);
        assertThat(records.get(3).entropies()[0][0]).isEqualTo(1.5);
        assertThat(records.get(0).tokenCount()).isEqualTo(9);
    }

    /** One seed's event with two prompts of a 3-layer, 4-head model; entry (l, h) of prompt p is v + p + l/8 + h/16. */
    private static SeedMetricsComputed seedEvent(Role role, int seed, float v) {
        List<SeedMetricsComputed.Prompt> prompts = new java.util.ArrayList<>();
        for (int p = 0; seed == 42 && p < 2; p++) {
            float[][] e = new float[3][4];
            for (int l = 0; l < 3; l++) {
                for (int h = 0; h < 4; h++) {
                    e[l][h] = v + p + l * 0.125f + h * 0.0625f;
                }
            }
            prompts.add(new SeedMetricsComputed.Prompt(p, 9, Float32Codec.encode(e), Map.of()));
        }
        return new SeedMetricsComputed(
                SeedMetricsComputed.idFor("r3", role, seed),
                1,
                Instant.now(),
                "r3",
                role,
                seed,
                List.of(42, 123),
                2,
                new ModelShape("llama", 3, 4, 2),
                "float32",
                "e11-v3",
                "test",
                MetricsJson.MAPPER.createObjectNode().put("seed", seed),
                prompts);
    }
}
