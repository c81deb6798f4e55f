package dev.territory.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.inference.config.InferenceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A job that fails after its model was loaded (maxLength above the model's positions,
 * or an error in the middle of the forward passes) must leave the process's engine usable: the
 * next valid job on the same engine computes its vectors ("NDManager has been closed already" was
 * seen once in the pipeline after such failures).
 */
class FailedJobThenValidJobTest {

    static Path models() {
        Path p = Path.of("../testdata/fixtures/models").toAbsolutePath().normalize();
        return Files.isDirectory(p) ? p : Path.of("testdata/fixtures/models").toAbsolutePath();
    }

    static final class Collect implements ModelJobRunner.Sink {
        final List<EntropyVectorComputed> vectors = new ArrayList<>();
        final RuntimeException throwOnVector;

        Collect(RuntimeException throwOnVector) {
            this.throwOnVector = throwOnVector;
        }

        @Override
        public void progress(RunProgress progress) {}

        @Override
        public void vector(EntropyVectorComputed vector) {
            if (throwOnVector != null) {
                throw throwOnVector;
            }
            vectors.add(vector);
        }
    }

    static ModelJobRequested job(String runId, int maxLength) {
        Path base = models().resolve("llama3-gqa-base");
        RunRequested r = RunRequested.of(runId, ModelRef.local(base.toString()), ModelRef.local(base.toString()))
                .withSeeds(List.of(42))
                .withMaxLength(maxLength)
                .withDtype("float32") // the engine these tests hand the job
                .withPrompts(PromptSpec.inline("two", List.of("The cat sat on the mat.", "Two plus two is four.")));
        return ModelJobRequested.of(r, Role.BASE);
    }

    static InferenceConfig config() {
        return new InferenceConfig() {
            public String device() {
                return "cpu";
            }

            public int batchSize() {
                return 1;
            }

            public Optional<List<String>> modelRoots() {
                return Optional.empty();
            }

            public boolean hashWeights() {
                return false;
            }

            public boolean warmEngine() {
                return false;
            }

            public long modelCacheBytes() {
                return 1L << 30;
            }
        };
    }

    /**
     * The cause seen in the pipeline: the process's engine was closed (its root NDManager, with
     * every model under it) while the process went on taking jobs; EngineHolder kept handing out
     * the closed engine and every later job failed with "NDManager has been closed already".
     */
    @Test
    void aClosedEngineIsReplacedNotHandedOutAgain() throws Exception {
        EngineHolder holder = new EngineHolder(
                config(),
                new dev.territory.inference.telemetry.InferenceMetrics(
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), 50));
        ModelJobRunner runner = new ModelJobRunner(Optional.empty(), 1, false);
        EntropyEngine first = holder.acquire(dev.territory.engine.ComputeDtype.FLOAT32);
        holder.release();
        first.close();
        EntropyEngine next = holder.acquire(dev.territory.engine.ComputeDtype.FLOAT32);
        try {
            Collect after = new Collect(null);
            runner.run(job("after-close", 16), next, after);
            assertThat(after.vectors).hasSize(2);
        } finally {
            holder.release();
        }
        // shutdown: a job delivered after it began is refused (left to another replica), never failed
        holder.onStop(null);
        assertThat(next.isOpen()).isFalse();
        assertThatThrownBy(() -> holder.acquire(dev.territory.engine.ComputeDtype.FLOAT32))
                .isInstanceOf(EngineHolder.ShuttingDown.class);
    }

    @Test
    void aJobFailingAfterLoadingLeavesTheEngineUsableForTheNextJob() throws Exception {
        ModelJobRunner runner = new ModelJobRunner(Optional.empty(), 1, false);
        try (EntropyEngine engine = EntropyEngine.create(EngineOptions.defaults())) {
            Collect reference = new Collect(null);
            runner.run(job("first-valid", 16), engine, reference);
            assertThat(reference.vectors).hasSize(2);

            // fails after the model is loaded: maxLength above max_position_embeddings
            assertThatThrownBy(() -> runner.run(job("too-long", 4096), engine, new Collect(null)))
                    .hasMessageContaining("max_position_embeddings");
            // fails while handing on a vector (publishing refused mid-seed), twice
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> runner.run(
                                job("sink-fails", 16), engine, new Collect(new IllegalStateException("sink down"))))
                        .hasMessageContaining("sink down");
            }

            Collect after = new Collect(null);
            runner.run(job("valid-after", 16), engine, after);
            assertThat(after.vectors).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(after.vectors.get(i).entropies())
                        .isEqualTo(reference.vectors.get(i).entropies());
            }
        }
    }
}
