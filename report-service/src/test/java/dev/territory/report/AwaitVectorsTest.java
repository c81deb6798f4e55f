package dev.territory.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.Role;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: with await-vectors (production), a run is not completed while any first-seed vector of
 * either model is missing, also when none arrived yet (the vector channel lagging behind the
 * metrics after an outage: the report would lack its statistics).
 */
class AwaitVectorsTest {

    static EntropyVectorComputed vector(Role role, int prompt) {
        return EntropyVectorComputed.of("r", role, 42, List.of(42, 123), prompt, 3, 8, "llama", 2, "float32", "e11-v3", "test",
                new float[][] {{0.5f, 0.25f}});
    }

    @Test
    void missingUntilEveryPromptOfBothModelsIsKept(@TempDir Path dir) throws Exception {
        assertThat(ReportBuilder.vectorsMissing(dir, 3)).as("none yet").isTrue();
        assertThat(ReportBuilder.vectorsPending(dir)).as("the old rule completes a run without vectors").isFalse();
        for (int i = 0; i < 3; i++) {
            ReportBuilder.keepVector(dir, vector(Role.BASE, i));
        }
        ReportBuilder.keepVector(dir, vector(Role.INSTRUCT, 0));
        ReportBuilder.keepVector(dir, vector(Role.INSTRUCT, 0)); // replayed
        assertThat(ReportBuilder.vectorsMissing(dir, 3)).isTrue();
        ReportBuilder.keepVector(dir, vector(Role.INSTRUCT, 1));
        ReportBuilder.keepVector(dir, vector(Role.INSTRUCT, 2));
        assertThat(ReportBuilder.vectorsMissing(dir, 3)).isFalse();
    }
}
