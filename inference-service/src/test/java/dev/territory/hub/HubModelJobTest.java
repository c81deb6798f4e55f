package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.PromptSpec;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunProgress;
import dev.territory.contracts.RunRequestValidator;
import dev.territory.contracts.RunRequested;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.inference.ModelJobRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model job whose request names a Hub id runs the model downloaded from the Hub-like test
 * server into a fresh Hub cache: the same vectors as the local fixture directory, the resolved
 * commit and the verified weight hash in ModelLoaded's ModelInfo, the download reported once
 * (the second job finds the commit in the cache); a repository the Hub does not have fails the
 * job with the Hub's 404 message. (In the hub package for the test server of hub's test jar.)
 */
class HubModelJobTest {

    static final class Collect implements ModelJobRunner.Sink {
        final List<EntropyVectorComputed> vectors = new ArrayList<>();
        final List<RunProgress> progress = new ArrayList<>();
        final List<ResolvedModel> resolved = new ArrayList<>();
        ModelInfo loaded;

        @Override
        public void progress(RunProgress p) {
            progress.add(p);
        }

        @Override
        public void vector(EntropyVectorComputed vector) {
            vectors.add(vector);
        }

        @Override
        public void modelLoaded(String runId, Role role, ModelInfo model, double seconds, long bytes) {
            loaded = model;
        }

        @Override
        public void modelResolved(String runId, Role role, ResolvedModel model) {
            resolved.add(model);
        }
    }

    static ModelJobRequested job(String runId, ModelRef base) {
        Path local = HubFixtures.modelsDir().resolve("llama3-gqa-instruct");
        RunRequested r = RunRequested.of(runId, base, ModelRef.local(local.toString()))
                .withSeeds(List.of(42))
                .withMaxLength(16)
                .withDtype("float32")
                .withPrompts(PromptSpec.inline("two", List.of("The cat sat on the mat.", "Two plus two is four.")));
        return ModelJobRequested.of(RunRequestValidator.validate(r), Role.BASE);
    }

    @Test
    void aHubIdIsDownloadedOnceIntoTheCacheAndRunsLikeTheLocalDirectory(@TempDir Path tmp) throws Exception {
        try (FakeHub hub = new FakeHub();
                EntropyEngine engine = EntropyEngine.create(EngineOptions.defaults())) {
            HubFixtures.Commits commits = HubFixtures.populate(hub);
            HubConfig config = HubConfig.fromEnvironment(Map.of(
                    "HF_ENDPOINT",
                    hub.endpoint(),
                    "HF_HUB_CACHE",
                    tmp.resolve("cache").toString(),
                    "HF_TOKEN",
                    HubFixtures.GRANTED_TOKEN));
            ModelJobRunner runner = new ModelJobRunner(
                    Optional.of(List.of(
                            tmp.resolve("roots-elsewhere").toString(),
                            HubFixtures.modelsDir().toString())),
                    1,
                    false,
                    () -> new ModelResolver(config));

            Collect local = new Collect();
            Path localDir = HubFixtures.modelsDir().resolve("llama3-gqa-base");
            runner.run(job("local", ModelRef.local(localDir.toString())), engine, local);
            assertThat(local.resolved).isEmpty();

            Collect fromHub = new Collect();
            runner.run(job("from-hub", ModelRef.hub(HubFixtures.LLAMA, "main")), engine, fromHub);
            assertThat(fromHub.vectors).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(fromHub.vectors.get(i).entropies())
                        .isEqualTo(local.vectors.get(i).entropies());
            }
            ModelInfo info = fromHub.loaded;
            assertThat(info.name()).isEqualTo(HubFixtures.LLAMA);
            assertThat(info.source()).isEqualTo(hub.endpoint() + "/" + HubFixtures.LLAMA);
            assertThat(info.revision()).isEqualTo(commits.main());
            assertThat(info.weightFiles()).singleElement().satisfies(w -> {
                assertThat(w.name()).isEqualTo("model.safetensors");
                // the hash the download verified, though this runner does not hash weights itself
                assertThat(w.sha256()).isEqualTo(Hashes.sha256(localDir.resolve("model.safetensors")));
            });
            ResolvedModel first = fromHub.resolved.get(0);
            assertThat(first.provenance().requestedRevision()).isEqualTo("main");
            long expectedBytes = 0;
            for (String f : List.of(
                    "config.json",
                    "tokenizer.json",
                    "tokenizer_config.json",
                    "model.safetensors",
                    "special_tokens_map.json")) {
                if (Files.exists(localDir.resolve(f))) {
                    expectedBytes += Files.size(localDir.resolve(f));
                }
            }
            assertThat(first.stats().bytesDownloaded()).isEqualTo(expectedBytes);
            assertThat(first.directory())
                    .isEqualTo(tmp.resolve("cache/models--territory--llama3-gqa-base/snapshots/" + commits.main())
                            .toAbsolutePath());
            assertThat(fromHub.progress)
                    .anySatisfy(p -> assertThat(p.message()).isEqualTo("resolving " + HubFixtures.LLAMA + "@main"));

            // pinned to the commit: served from the cache, nothing downloaded
            Collect again = new Collect();
            runner.run(job("again", ModelRef.hub(HubFixtures.LLAMA, commits.main())), engine, again);
            assertThat(again.resolved.get(0).stats().bytesDownloaded()).isZero();
            assertThat(again.vectors.get(1).entropies())
                    .isEqualTo(local.vectors.get(1).entropies());

            assertThatThrownBy(() -> runner.run(
                            job("missing", ModelRef.hub("territory/no-such-model", "main")), engine, new Collect()))
                    .isInstanceOf(HubException.class)
                    .hasMessageStartingWith("404: repository territory/no-such-model not found at " + hub.endpoint());
        }
    }
}
