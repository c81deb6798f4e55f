package dev.territory.hub;

import static dev.territory.hub.HubFixtures.GATED;
import static dev.territory.hub.HubFixtures.GRANTED_TOKEN;
import static dev.territory.hub.HubFixtures.LLAMA;
import static dev.territory.hub.HubFixtures.OTHER_TOKEN;
import static dev.territory.hub.HubFixtures.PRIVATE;
import static dev.territory.hub.HubFixtures.SHARDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelResolverTest {

    private static final List<String> ENGINE_FILES =
            List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors");

    @TempDir
    Path tmp;

    FakeHub hub;
    HubFixtures.Commits commits;
    Path cache;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        commits = HubFixtures.populate(hub);
        cache = tmp.resolve("hub-cache");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubConfig config(String token) {
        return new HubConfig(
                hub.endpoint(),
                cache,
                Optional.ofNullable(token).map(t -> HubToken.of(t, "HF_TOKEN")),
                false,
                3,
                Duration.ofMillis(5),
                Duration.ofMillis(20),
                Duration.ofSeconds(2));
    }

    private ModelResolver resolver() {
        return new ModelResolver(config(null));
    }

    private static String sha256(byte[] b) {
        return FakeHub.hex("SHA-256", b);
    }

    private Path repoDir(String repo) {
        return cache.resolve("models--" + repo.replace("/", "--"));
    }

    @Test
    void downloadsOnlyEngineFilesIntoTheHubCacheLayout() throws Exception {
        List<long[]> progress = Collections.synchronizedList(new ArrayList<>());
        ResolvedModel m =
                new ModelResolver(config(GRANTED_TOKEN)).resolve(LLAMA, (d, t) -> progress.add(new long[] {d, t}));

        Path repo = repoDir(LLAMA);
        assertThat(m.directory()).isEqualTo(repo.resolve("snapshots").resolve(commits.main()));
        assertThat(Files.readString(repo.resolve("refs/main")))
                .isEqualTo(commits.main()); // no newline, as HF writes it
        Map<String, byte[]> fixture = HubFixtures.llama();
        try (var listing = Files.list(m.directory())) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(ENGINE_FILES);
        }
        long total = 0;
        for (String name : ENGINE_FILES) {
            Path link = m.directory().resolve(name);
            byte[] expected = fixture.get(name);
            total += expected.length;
            assertThat(Files.isSymbolicLink(link)).as(name + " is a symlink").isTrue();
            String blobName = name.endsWith(".safetensors") ? sha256(expected) : FakeHub.gitSha1(expected);
            assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("..", "..", "blobs", blobName));
            assertThat(Files.readAllBytes(link)).isEqualTo(expected);
        }
        assertThat(m.provenance().files()).extracting(ModelFile::name).containsExactlyElementsOf(ENGINE_FILES);
        for (ModelFile f : m.provenance().files()) {
            assertThat(f.sha256()).as(f.name()).isEqualTo(sha256(fixture.get(f.name())));
            assertThat(f.sizeBytes()).isEqualTo(fixture.get(f.name()).length);
        }
        assertThat(m.provenance().repoId()).isEqualTo(LLAMA);
        assertThat(m.provenance().requestedRevision()).isEqualTo("main");
        assertThat(m.provenance().commit()).isEqualTo(commits.main());
        assertThat(m.stats().bytesDownloaded()).isEqualTo(total);
        assertThat(m.stats().filesDownloaded()).isEqualTo(4);
        assertThat(m.stats().filesCached()).isZero();
        assertThat(progress.get(progress.size() - 1)).containsExactly(total, total);
        for (int i = 1; i < progress.size(); i++) {
            assertThat(progress.get(i)[0]).isGreaterThanOrEqualTo(progress.get(i - 1)[0]);
        }
        // The token went to the Hub, never to the CDN the weights were redirected to.
        assertThat(hub.hubAuthorization).isNotEmpty().allMatch(a -> a.equals("Bearer " + GRANTED_TOKEN));
        assertThat(hub.cdnAuthorization).hasSize(1).allMatch(String::isEmpty);
        assertThat(Files.exists(cache.resolve(".locks")
                        .resolve("models--territory--llama3-gqa-base")
                        .resolve(sha256(fixture.get("model.safetensors")) + ".lock")))
                .isTrue();
    }

    @Test
    void secondResolveIsACacheHit() throws Exception {
        ModelResolver r = resolver();
        ResolvedModel first = r.resolve(LLAMA, null);
        int resolves = hub.resolveRequests.get();
        int blobs = hub.blobGets(sha256(HubFixtures.llama().get("model.safetensors")));

        ResolvedModel second = r.resolve(LLAMA, null);
        assertThat(second.directory()).isEqualTo(first.directory());
        assertThat(second.provenance()).isEqualTo(first.provenance());
        assertThat(second.stats().bytesDownloaded()).isZero();
        assertThat(second.stats().filesDownloaded()).isZero();
        assertThat(second.stats().filesCached()).isEqualTo(4);
        assertThat(hub.resolveRequests.get()).isEqualTo(resolves);
        assertThat(hub.blobGets(sha256(HubFixtures.llama().get("model.safetensors"))))
                .isEqualTo(blobs);

        // Pinned to a commit already in the cache: not a single request.
        int before = hub.requests();
        ResolvedModel pinned = r.resolve(LLAMA + "@" + commits.main(), null);
        assertThat(hub.requests()).isEqualTo(before);
        assertThat(pinned.directory()).isEqualTo(first.directory());
        assertThat(pinned.provenance().files()).isEqualTo(first.provenance().files());
    }

    @Test
    void revisionsResolveToTheirCommits() throws Exception {
        ModelResolver r = resolver();
        ResolvedModel dev = r.resolve(LLAMA + "@dev", null);
        ResolvedModel tag = r.resolve(LLAMA + "@v1", null);
        ResolvedModel commit = r.resolve(LLAMA + "@" + commits.main(), null);

        assertThat(dev.provenance().commit()).isEqualTo(commits.dev());
        assertThat(Files.readString(dev.directory().resolve("config.json"))).contains("\"territory_dev\": true");
        assertThat(tag.provenance().commit()).isEqualTo(commits.main());
        assertThat(Files.readString(tag.directory().resolve("config.json"))).doesNotContain("territory_dev");
        assertThat(commit.directory()).isEqualTo(tag.directory());
        assertThat(Files.readString(repoDir(LLAMA).resolve("refs/dev"))).isEqualTo(commits.dev());
        assertThat(Files.readString(repoDir(LLAMA).resolve("refs/v1"))).isEqualTo(commits.main());
        assertThat(Files.exists(repoDir(LLAMA).resolve("refs").resolve(commits.main())))
                .isFalse();
        // Same weights in both commits: one blob, fetched once.
        assertThat(hub.blobGets(sha256(HubFixtures.llama().get("model.safetensors"))))
                .isEqualTo(1);
        assertThat(tag.stats().filesDownloaded()).isEqualTo(1); // only the other config.json
    }

    @Test
    void shardedWeightsFollowTheIndex() throws Exception {
        ResolvedModel m = resolver().resolve(SHARDED, null);
        assertThat(m.provenance().files())
                .extracting(ModelFile::name)
                .containsExactly(
                        "config.json",
                        "tokenizer.json",
                        "tokenizer_config.json",
                        "model.safetensors.index.json",
                        "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors");
        Map<String, byte[]> expected = HubFixtures.shard(HubFixtures.mistral());
        for (ModelFile f : m.provenance().files()) {
            assertThat(Files.readAllBytes(m.directory().resolve(f.name()))).isEqualTo(expected.get(f.name()));
            assertThat(f.sha256()).isEqualTo(sha256(expected.get(f.name())));
        }
        assertThat(Files.exists(m.directory().resolve("generation_config.json")))
                .isFalse();
    }

    @Test
    void resumesAfterACutConnection() throws Exception {
        byte[] weights = HubFixtures.llama().get("model.safetensors");
        hub.cutAfter(sha256(weights), 1_000_000, 1);
        ResolvedModel m = resolver().resolve(LLAMA, null);

        assertThat(Files.readAllBytes(m.directory().resolve("model.safetensors")))
                .isEqualTo(weights);
        assertThat(hub.blobGets(sha256(weights))).isEqualTo(2);
        // One Range request, from what had arrived (bytes in flight when the socket closed are lost).
        assertThat(hub.ranges).hasSize(1);
        long resumedAt = Long.parseLong(hub.ranges.get(0).replaceAll("\\D", ""));
        assertThat(resumedAt).isBetween(1L, 1_000_000L);
        long total = ENGINE_FILES.stream()
                .mapToLong(n -> {
                    try {
                        return HubFixtures.llama().get(n).length;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .sum();
        assertThat(m.stats().bytesDownloaded()).isEqualTo(total); // the first megabyte was not fetched twice
    }

    @Test
    void resumesAPartialFileLeftByAnotherProcess() throws Exception {
        byte[] weights = HubFixtures.llama().get("model.safetensors");
        Path partial = repoDir(LLAMA).resolve("blobs").resolve(sha256(weights) + ".incomplete");
        Files.createDirectories(partial.getParent());
        Files.write(partial, java.util.Arrays.copyOf(weights, 3_000_000));

        ResolvedModel m = resolver().resolve(LLAMA, null);
        assertThat(Files.readAllBytes(m.directory().resolve("model.safetensors")))
                .isEqualTo(weights);
        assertThat(hub.ranges).containsExactly("bytes=3000000-");
        assertThat(Files.exists(partial)).isFalse();
    }

    @Test
    void corruptDownloadIsRefusedAndRemoved() throws Exception {
        byte[] weights = HubFixtures.llama().get("model.safetensors");
        String sha = sha256(weights);
        hub.corrupt(sha, true);
        ModelResolver r = resolver();
        assertThatThrownBy(() -> r.resolve(LLAMA, null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.reason()).isEqualTo(HubException.Reason.INTEGRITY))
                .hasMessageContaining("model.safetensors of " + LLAMA)
                .hasMessageContaining("sha256")
                .hasMessageContaining(sha)
                .hasMessageContaining("discarded");
        Path blobs = repoDir(LLAMA).resolve("blobs");
        assertThat(Files.exists(blobs.resolve(sha))).isFalse();
        assertThat(Files.exists(blobs.resolve(sha + ".incomplete"))).isFalse();
        assertThat(Files.exists(repoDir(LLAMA)
                        .resolve("snapshots")
                        .resolve(commits.main())
                        .resolve("model.safetensors")))
                .isFalse();

        hub.corrupt(sha, false);
        assertThat(Files.readAllBytes(r.resolve(LLAMA, null).directory().resolve("model.safetensors")))
                .isEqualTo(weights);
    }

    @Test
    void corruptSmallFileIsRefusedByItsGitBlobId() throws Exception {
        hub.corrupt(FakeHub.gitSha1(HubFixtures.llama().get("tokenizer.json")), true);
        assertThatThrownBy(() -> resolver().resolve(LLAMA, null))
                .hasMessageContaining("tokenizer.json of " + LLAMA)
                .hasMessageContaining("git blob id");
    }

    @Test
    void serverErrorsAreRetriedThenReported() throws Exception {
        hub.fail503.set(3); // retries: 3
        ResolvedModel m = resolver().resolve(LLAMA, null);
        assertThat(m.provenance().commit()).isEqualTo(commits.main());

        hub.fail503.set(100);
        assertThatThrownBy(() -> resolver().resolve(LLAMA + "@dev", null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.NETWORK);
                    assertThat(e.status()).isEqualTo(503);
                })
                .hasMessageContaining("after 4 attempts: HTTP 503");
    }

    @Test
    void gatedRepositoryWithoutTokenIs401() {
        assertThatThrownBy(() -> resolver().resolve(GATED, null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.UNAUTHORIZED);
                    assertThat(e.status()).isEqualTo(401);
                })
                .hasMessageContaining(GATED + " is a gated repository")
                .hasMessageContaining("no token was sent")
                .hasMessageContaining(hub.endpoint() + "/" + GATED);
    }

    @Test
    void gatedRepositoryNotGrantedIs403() {
        assertThatThrownBy(() -> new ModelResolver(config(OTHER_TOKEN)).resolve(GATED, null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.GATED);
                    assertThat(e.status()).isEqualTo(403);
                })
                .hasMessageContaining("has not been granted access")
                .hasMessageContaining("request it at " + hub.endpoint() + "/" + GATED)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(OTHER_TOKEN));
    }

    @Test
    void gatedAndPrivateRepositoriesWithAGrantedToken() throws Exception {
        ModelResolver r = new ModelResolver(config(GRANTED_TOKEN));
        assertThat(Files.readAllBytes(r.resolve(GATED, null).directory().resolve("config.json")))
                .isEqualTo(HubFixtures.llama().get("config.json"));
        assertThat(r.resolve(PRIVATE, null).provenance().files()).hasSize(4);
    }

    @Test
    void rejectedTokenIs401AndNeverPrinted() {
        String bad = "hf_not_a_real_token_42";
        assertThatThrownBy(() -> new ModelResolver(config(bad)).resolve(LLAMA, null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.reason()).isEqualTo(HubException.Reason.UNAUTHORIZED))
                .hasMessageContaining("rejected the token from HF_TOKEN")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad));
        assertThat(new ModelResolver(config(bad)).config().toString()).doesNotContain(bad);
    }

    @Test
    void missingRepositoryRevisionAndPrivateRepoSayWhich() {
        assertThatThrownBy(() -> new ModelResolver(config(OTHER_TOKEN)).resolve("territory/nope", null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.REPO_NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                })
                .hasMessageContaining("repository territory/nope not found at " + hub.endpoint());
        assertThatThrownBy(() -> resolver().resolve(LLAMA + "@no-such-branch", null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.REVISION_NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                })
                .hasMessageContaining("revision 'no-such-branch' not found in " + LLAMA);
        // Unauthenticated, the Hub cannot tell a private repository from a missing one (401).
        assertThatThrownBy(() -> resolver().resolve(PRIVATE, null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageContaining("repository " + PRIVATE + " not found")
                .hasMessageContaining("if it is private, no token was sent");
    }

    @Test
    void concurrentResolvesInOneProcessDownloadEachBlobOnce() throws Exception {
        hub.throttleMillisPer64k = 2;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<ResolvedModel>> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                jobs.add(() -> new ModelResolver(config(null)).resolve(LLAMA, null));
            }
            List<ResolvedModel> results = new ArrayList<>();
            for (Future<ResolvedModel> f : pool.invokeAll(jobs)) {
                results.add(f.get());
            }
            assertThat(results)
                    .extracting(ResolvedModel::directory)
                    .containsOnly(results.get(0).directory());
            byte[] weights = HubFixtures.llama().get("model.safetensors");
            assertThat(hub.blobGets(sha256(weights))).isEqualTo(1);
            assertThat(results.stream()
                            .mapToInt(x -> x.stats().filesDownloaded())
                            .sum())
                    .isEqualTo(4);
            assertThat(Files.readAllBytes(results.get(0).directory().resolve("model.safetensors")))
                    .isEqualTo(weights);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void offlineModeUsesTheCacheOnly() throws Exception {
        ResolvedModel online = resolver().resolve(LLAMA + "@dev", null);
        int before = hub.requests();
        ModelResolver offline = new ModelResolver(config(null).withOffline(true));

        ResolvedModel byBranch = offline.resolve(LLAMA + "@dev", null);
        ResolvedModel byCommit = offline.resolve(LLAMA + "@" + commits.dev(), null);
        assertThat(hub.requests()).isEqualTo(before);
        assertThat(byBranch.directory()).isEqualTo(online.directory());
        assertThat(byBranch.provenance().files()).isEqualTo(online.provenance().files());
        assertThat(byCommit.provenance().commit()).isEqualTo(commits.dev());

        assertThatThrownBy(() -> offline.resolve(LLAMA + "@main", null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.reason()).isEqualTo(HubException.Reason.NOT_CACHED))
                .hasMessageContaining(LLAMA + "@main is not in the Hub cache")
                .hasMessageContaining("HF_HUB_OFFLINE")
                .hasMessageContaining("refs/main");
        Files.delete(online.directory().resolve("model.safetensors"));
        assertThatThrownBy(() -> offline.resolve(LLAMA + "@dev", null))
                .hasMessageContaining("lacks [model.safetensors]");
        assertThat(hub.requests()).isEqualTo(before);
    }

    @Test
    void anUnreachableHubFallsBackToTheCache() throws Exception {
        resolver().resolve(LLAMA, null);
        String endpoint = hub.endpoint();
        hub.close();
        HubConfig down = new HubConfig(
                endpoint,
                cache,
                Optional.empty(),
                false,
                1,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                Duration.ofSeconds(1));
        assertThat(new ModelResolver(down).resolve(LLAMA, null).provenance().commit())
                .isEqualTo(commits.main());
        assertThatThrownBy(() -> new ModelResolver(down).resolve(LLAMA + "@dev", null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.reason()).isEqualTo(HubException.Reason.NETWORK))
                .hasMessageContaining("after 2 attempts");
    }

    @Test
    void aHubCacheWrittenByAnotherToolIsReused() throws Exception {
        // Lay a snapshot out by hand as huggingface_hub would, then resolve pinned and offline.
        Map<String, byte[]> files = HubFixtures.llama();
        Path repo = repoDir(LLAMA);
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(commits.main()));
        for (String name : ENGINE_FILES) {
            byte[] c = files.get(name);
            String blob = name.endsWith(".safetensors") ? sha256(c) : FakeHub.gitSha1(c);
            Files.write(Files.createDirectories(repo.resolve("blobs")).resolve(blob), c);
            Files.createSymbolicLink(snap.resolve(name), Path.of("../../blobs/" + blob));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commits.main());

        ResolvedModel m = resolver().resolve(LLAMA, null);
        assertThat(m.stats().filesDownloaded()).isZero();
        assertThat(hub.blobRequests).isEmpty();
        assertThat(m.provenance().files())
                .extracting(ModelFile::sha256)
                .containsExactlyElementsOf(
                        ENGINE_FILES.stream().map(n -> sha256(files.get(n))).collect(Collectors.toList()));
    }

    @Test
    void localDirectoriesPassThrough() throws Exception {
        Path dir = HubFixtures.modelsDir().resolve("mistral-mha-base");
        ResolvedModel m = resolver().resolve(dir.toString(), null);
        assertThat(m.directory()).isEqualTo(dir);
        assertThat(m.provenance().source()).isEqualTo("local");
        assertThat(m.provenance().files())
                .extracting(ModelFile::name)
                .containsExactly("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");
        assertThat(hub.requests()).isZero();
        assertThatThrownBy(() -> resolver().resolve(tmp.resolve("missing").toString(), null))
                .hasMessageContaining("model directory " + tmp.resolve("missing") + " does not exist");
    }

    @Test
    void aRepositoryWithoutSafetensorsIsRefused() throws Exception {
        FakeHub.Repo r = hub.repo("territory/bin-only", FakeHub.Access.PUBLIC);
        Map<String, byte[]> files = new java.util.LinkedHashMap<>(HubFixtures.llama());
        files.remove("model.safetensors");
        files.put("pytorch_model.bin", "not really".getBytes(StandardCharsets.UTF_8));
        r.refs.put("main", r.commit("main", files));
        hub.publish(r);
        assertThatThrownBy(() -> resolver().resolve("territory/bin-only", null))
                .isInstanceOfSatisfying(
                        HubException.class, e -> assertThat(e.reason()).isEqualTo(HubException.Reason.UNSUPPORTED_REPO))
                .hasMessageContaining("has no safetensors weights")
                .hasMessageContaining("pytorch_model.bin");
    }
}
