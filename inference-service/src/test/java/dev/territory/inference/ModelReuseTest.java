package dev.territory.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.cache.ModelCache;
import dev.territory.inference.telemetry.InferenceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two jobs of the same model in one process load it once. Driven through the service's
 * own {@link EngineHolder} (one engine and model cache per dtype) and {@link ModelJobRunner}, as
 * {@code JobListener} drives them, with the cache meters read from the registry.
 */
class ModelReuseTest {

    /** What the runner reported about the model and what it computed. */
    static final class Collect implements ModelJobRunner.Sink {
        final List<EntropyVectorComputed> vectors = new ArrayList<>();
        final List<Boolean> reused = new ArrayList<>();
        final List<Double> loadSeconds = new ArrayList<>();
        final List<String> loadedMessages = new ArrayList<>();

        @Override
        public void vector(EntropyVectorComputed vector) {
            vectors.add(vector);
        }

        @Override
        public void progress(RunProgress progress) {
            if (progress.stage() == RunProgress.Stage.LOADED) {
                loadedMessages.add(progress.message());
            }
        }

        @Override
        public void modelLoaded(String runId, Role role, ModelInfo model, double seconds, long bytes, boolean reused) {
            this.reused.add(reused);
            loadSeconds.add(seconds);
        }
    }

    static ModelJobRequested job(String runId, Role role) {
        Path models = FailedJobThenValidJobTest.models();
        RunRequested r = RunRequested.of(
                        runId,
                        ModelRef.local(models.resolve("llama3-gqa-base").toString()),
                        ModelRef.local(models.resolve("llama3-gqa-instruct").toString()))
                .withSeeds(List.of(42))
                .withMaxLength(16)
                .withDtype("float32") // the engine these tests hand the job
                .withPrompts(PromptSpec.inline("two", List.of("The cat sat on the mat.", "Two plus two is four.")));
        return ModelJobRequested.of(r, role);
    }

    @Test
    void twoJobsOfOneModelLoadItOnceAndComputeTheSameVectors() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EngineHolder holder = new EngineHolder(FailedJobThenValidJobTest.config(), new InferenceMetrics(registry, 50));
        ModelJobRunner runner = new ModelJobRunner(Optional.empty(), 1, false);
        Collect first = new Collect();
        Collect second = new Collect();
        Collect other = new Collect();
        ModelCache cache;
        EntropyEngine engine = holder.acquire(ComputeDtype.FLOAT32);
        try {
            cache = holder.modelCache(engine);
            runner.run(job("run-1", Role.BASE), engine, cache, first);
            runner.run(job("run-2", Role.BASE), engine, cache, second);
            runner.run(job("run-2", Role.INSTRUCT), engine, cache, other);
        } finally {
            holder.release();
        }
        assertThat(cache.stats().misses()).as("base loaded once, instruct once").isEqualTo(2);
        assertThat(cache.stats().hits()).isEqualTo(1);
        assertThat(first.reused).containsExactly(false);
        assertThat(second.reused).containsExactly(true);
        assertThat(other.reused).containsExactly(false);
        assertThat(second.loadedMessages.get(0)).contains("reused from the model cache");
        assertThat(first.loadedMessages.get(0)).contains("loaded in");
        assertThat(second.vectors).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(second.vectors.get(i).entropies())
                    .isEqualTo(first.vectors.get(i).entropies());
        }
        // the service's meters (docs/metrics.md) count the same
        assertThat(registry.get("territory.model.cache.misses").counter().count())
                .isEqualTo(2.0);
        assertThat(registry.get("territory.model.cache.hits").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("territory.model.cache.evictions").counter().count())
                .isZero();
        assertThat(registry.get("territory.model.cache.resident").gauge().value())
                .isEqualTo((double) cache.stats().residentBytes())
                .isPositive();

        // shutdown closes the cache with its engine: nothing resident, nothing handed out
        holder.onStop(null);
        assertThat(cache.stats().residentModels()).isZero();
        assertThat(registry.get("territory.model.cache.resident").gauge().value())
                .isZero();
        assertThat(engine.isOpen()).isFalse();
        assertThatThrownBy(
                        () -> cache.acquire(FailedJobThenValidJobTest.models().resolve("llama3-gqa-base"), d -> null))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aReplacedEngineComesWithAnEmptyCache() throws Exception {
        EngineHolder holder = new EngineHolder(
                FailedJobThenValidJobTest.config(), new InferenceMetrics(new SimpleMeterRegistry(), 50));
        ModelJobRunner runner = new ModelJobRunner(Optional.empty(), 1, false);
        EntropyEngine first = holder.acquire(ComputeDtype.FLOAT32);
        ModelCache firstCache = holder.modelCache(first);
        try {
            runner.run(job("run-1", Role.BASE), first, firstCache, new Collect());
        } finally {
            holder.release();
        }
        assertThat(firstCache.stats().residentModels()).isEqualTo(1);
        first.close(); // its models died with its NDManager
        EntropyEngine next = holder.acquire(ComputeDtype.FLOAT32);
        try {
            ModelCache nextCache = holder.modelCache(next);
            assertThat(nextCache).isNotSameAs(firstCache);
            assertThat(firstCache.stats().residentModels())
                    .as("the dead engine's cache was emptied")
                    .isZero();
            Collect after = new Collect();
            runner.run(job("run-2", Role.BASE), next, nextCache, after);
            assertThat(after.reused).containsExactly(false);
            assertThat(after.vectors).hasSize(2);
        } finally {
            holder.release();
            holder.onStop(null);
        }
    }
}
