package dev.territory.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.ModelRef;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStoreTest {

    @Test
    void aNewStoreOnTheSameDirectoryServesEveryRunItHad(@TempDir Path dir) throws Exception {
        RunStore store = new RunStore(dir);
        store.recordRequest(RunRequested.of("r1", ModelRef.local("/b"), ModelRef.local("/i")));
        store.recordProgress(RunProgress.of("r1", Role.BASE, 42, RunProgress.Stage.COMPUTING, 3, 10, null));
        store.recordProgress(RunProgress.of("r1", Role.BASE, 42, RunProgress.Stage.COMPUTING, 2, 10, null)); // late, older
        Files.writeString(dir.resolve("r1/results.json"), "{}");
        store.markCompleted("r1", "B_PARTIAL", true, List.of("results.json"));
        store.recordRequest(RunRequested.of("r2", ModelRef.local("/b"), ModelRef.local("/i")));
        store.markFailed("r2", "inference-service: bad");

        RunStore again = new RunStore(dir);
        assertThat(again.list()).extracting(RunState::runId).containsExactlyInAnyOrder("r1", "r2");
        assertThat(again.get("r1").orElseThrow().status()).isEqualTo("COMPLETED");
        assertThat(again.get("r1").orElseThrow().verdict()).isEqualTo("B_PARTIAL");
        assertThat(again.progress("r1").get("base").get("42").done()).isEqualTo(3);
        assertThat(again.get("r2").orElseThrow().failure()).isEqualTo("inference-service: bad");
        assertThat(again.file("r1", "results.json")).isPresent();
        assertThat(again.file("r1", "run-state.json")).isEmpty();
        assertThat(again.file("r2", "results.json")).isEmpty();
        assertThatThrownBy(() -> again.runDir("../x")).hasMessageContaining("invalid run id");
    }
}
