package dev.territory.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.contracts.ModelFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a model reference into a local model directory the engine can load, downloading from the
 * Hub into the shared cache when needed. One call for the commands and services:
 *
 * <pre>{@code
 * ResolvedModel m = ModelResolver.fromEnvironment().resolve("meta-llama/Llama-3.1-8B@main", bar::update);
 * engine.load(m.directory());   // m.provenance(): repo, commit, file hashes; m.stats(): bytes, time
 * }</pre>
 *
 * <p>Only the files the engine reads are fetched: {@code config.json}, {@code tokenizer.json},
 * {@code tokenizer_config.json}, {@code special_tokens_map.json} (if the repository has one), and
 * {@code model.safetensors} or {@code model.safetensors.index.json} with the shards it lists.
 *
 * <p>A revision is resolved to a commit through the Hub (and recorded under {@code refs/}); a
 * commit already complete in the cache needs no request at all. Every downloaded file is checked
 * against the Hub's metadata (size, and sha256 for LFS files or the git blob id for small files);
 * a mismatch is refused and the download removed. Offline ({@code HF_HUB_OFFLINE=1}) the cache
 * alone answers. Thread-safe; concurrent processes on one cache are serialized per blob.
 */
public final class ModelResolver {

    /** Files the engine needs, besides the weights. */
    public static final List<String> REQUIRED_FILES = List.of("config.json", "tokenizer.json", "tokenizer_config.json");
    /** Files the engine reads when present. */
    public static final List<String> OPTIONAL_FILES = List.of("special_tokens_map.json");

    public static final String SINGLE_WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";

    private static final Pattern SAFE_BLOB_NAME = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    private static final Pattern SNAPSHOT_PATH =
            Pattern.compile(".*/models--([^/]+?)--([^/]+)/snapshots/([0-9a-f]{40})/?");
    private static final long PROGRESS_STEP = 1 << 20;

    private final HubConfig config;
    private final HubCache cache;
    private final HubClient client;
    private final ObjectMapper json = new ObjectMapper();

    public ModelResolver(HubConfig config) {
        this.config = config;
        this.cache = new HubCache(config.cacheDir());
        this.client = new HubClient(config);
    }

    /** A resolver configured from {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_CACHE}, ... */
    public static ModelResolver fromEnvironment() {
        return new ModelResolver(HubConfig.fromEnvironment());
    }

    public HubConfig config() {
        return config;
    }

    /**
     * Parses and resolves a reference: a local directory, or {@code org/name[@revision]}.
     *
     * @throws IllegalArgumentException for a malformed reference
     * @throws HubException             when the model cannot be had; the message says why
     */
    public ResolvedModel resolve(String reference, ProgressListener progress) {
        return resolve(ModelReference.parse(reference), progress);
    }

    public ResolvedModel resolve(ModelReference reference, ProgressListener progress) {
        long start = System.nanoTime();
        if (reference instanceof ModelReference.Local local) {
            return resolveLocal(local.directory(), start);
        }
        return resolveHub((ModelReference.Hub) reference, progress == null ? ProgressListener.NONE : progress, start);
    }

    // ---------------------------------------------------------------- local directories

    private ResolvedModel resolveLocal(Path dir, long start) {
        if (!Files.isDirectory(dir)) {
            throw new HubException(HubException.Reason.FILE_NOT_FOUND, "model directory " + dir + " does not exist");
        }
        List<ModelFile> files = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.sorted().collect(Collectors.toList())) {
                String name = p.getFileName().toString();
                if (isEngineFile(name)) {
                    files.add(new ModelFile(name, Files.size(p), null));
                }
            }
        } catch (IOException e) {
            throw new HubException(
                    HubException.Reason.CACHE_IO, 0, "cannot list model directory " + dir + ": " + e.getMessage(), e);
        }
        // A snapshot directory of a Hub cache still knows its repository and commit.
        String repoId = null;
        String commit = null;
        Matcher m = SNAPSHOT_PATH.matcher(dir.toString().replace('\\', '/'));
        if (m.matches()) {
            repoId = m.group(1) + "/" + m.group(2);
            commit = m.group(3);
        }
        return new ResolvedModel(
                dir,
                new Provenance("local", repoId, null, commit, null, files),
                new DownloadStats(0, 0, files.size(), elapsed(start)));
    }

    private static boolean isEngineFile(String name) {
        return REQUIRED_FILES.contains(name)
                || OPTIONAL_FILES.contains(name)
                || name.endsWith(".safetensors")
                || name.equals(WEIGHTS_INDEX);
    }

    // ---------------------------------------------------------------- Hub models

    private ResolvedModel resolveHub(ModelReference.Hub ref, ProgressListener progress, long start) {
        if (config.offline()) {
            CacheLookup hit = lookInCache(ref);
            if (hit.model == null) {
                throw new HubException(
                        HubException.Reason.NOT_CACHED,
                        ref + " is not in the Hub cache " + cache.root()
                                + " and HF_HUB_OFFLINE is set, so it cannot be downloaded: " + hit.missing
                                + ". Download it once with network access (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE at a cache that holds it");
            }
            return withElapsed(hit.model, start);
        }
        if (ref.pinnedToCommit()) {
            CacheLookup hit = lookInCache(ref);
            if (hit.model != null) {
                return withElapsed(hit.model, start);
            }
        }
        HubClient.RepoRevision revision;
        try {
            revision = client.revision(ref.repoId(), ref.revision());
        } catch (HubException e) {
            // The Hub unreachable (not an answer such as 401/404): what the cache holds still serves.
            if (e.reason() == HubException.Reason.NETWORK && e.status() == 0) {
                CacheLookup hit = lookInCache(ref);
                if (hit.model != null) {
                    return withElapsed(hit.model, start);
                }
            }
            throw e;
        }
        String commit = revision.commit();
        try {
            cache.writeRef(ref.repoId(), ref.revision(), commit);
        } catch (IOException e) {
            throw cacheError("cannot write refs/" + ref.revision() + " in " + cache.repoDir(ref.repoId()), e);
        }

        List<HubClient.RemoteFile> plan = new ArrayList<>();
        for (String name : REQUIRED_FILES) {
            plan.add(require(revision, name, "the engine needs it"));
        }
        for (String name : OPTIONAL_FILES) {
            Optional.ofNullable(revision.files().get(name)).ifPresent(plan::add);
        }
        boolean sharded = revision.files().containsKey(WEIGHTS_INDEX);
        if (sharded) {
            plan.add(revision.files().get(WEIGHTS_INDEX));
        } else if (revision.files().containsKey(SINGLE_WEIGHTS)) {
            plan.add(revision.files().get(SINGLE_WEIGHTS));
        } else {
            throw new HubException(
                    HubException.Reason.UNSUPPORTED_REPO,
                    ref.repoId() + "@" + commit
                            + " has no safetensors weights (" + SINGLE_WEIGHTS + " or " + WEIGHTS_INDEX
                            + "); weight-like files there: "
                            + revision.files().keySet().stream()
                                    .filter(n -> n.endsWith(".bin")
                                            || n.endsWith(".safetensors")
                                            || n.endsWith(".pt")
                                            || n.endsWith(".gguf"))
                                    .collect(Collectors.toList()));
        }

        Tracker tracker = new Tracker(progress);
        tracker.plan(ref.repoId(), plan);
        List<ModelFile> records = new ArrayList<>();
        for (HubClient.RemoteFile f : plan) {
            records.add(fetch(ref.repoId(), commit, f, tracker));
        }
        if (sharded) {
            List<HubClient.RemoteFile> shards = new ArrayList<>();
            for (String shard :
                    shardNames(cache.snapshotFile(ref.repoId(), commit, WEIGHTS_INDEX), ref.repoId() + "@" + commit)) {
                shards.add(require(revision, shard, WEIGHTS_INDEX + " lists it"));
            }
            tracker.plan(ref.repoId(), shards);
            for (HubClient.RemoteFile f : shards) {
                records.add(fetch(ref.repoId(), commit, f, tracker));
            }
        }
        tracker.finish();
        Provenance provenance = new Provenance("hub", ref.repoId(), ref.revision(), commit, config.endpoint(), records);
        DownloadStats stats = new DownloadStats(
                tracker.network.get(),
                tracker.filesDownloaded,
                records.size() - tracker.filesDownloaded,
                elapsed(start));
        return new ResolvedModel(cache.snapshotDir(ref.repoId(), commit), provenance, stats);
    }

    private static HubClient.RemoteFile require(HubClient.RepoRevision revision, String name, String why) {
        HubClient.RemoteFile f = revision.files().get(name);
        if (f == null) {
            throw new HubException(
                    HubException.Reason.UNSUPPORTED_REPO,
                    revision.repoId() + "@" + revision.commit() + " has no " + name + " (" + why + ")");
        }
        return f;
    }

    /** One file into the cache (if its blob is not there yet) and linked into the snapshot. */
    private ModelFile fetch(String repoId, String commit, HubClient.RemoteFile f, Tracker tracker) {
        String etag = f.etag();
        if (etag == null || !SAFE_BLOB_NAME.matcher(etag).matches()) {
            throw new HubException(
                    HubException.Reason.INTEGRITY,
                    "the Hub's metadata for " + f.name() + " of " + repoId + "@" + commit
                            + " carry no usable blob id (got '" + etag + "')");
        }
        Path blob = cache.blob(repoId, etag);
        Path pointer = cache.snapshotFile(repoId, commit, f.name());
        try {
            if (!hasSize(pointer, f.size())) {
                try (HubCache.BlobLock lock = cache.lock(repoId, etag)) {
                    if (!hasSize(blob, f.size())) {
                        Files.deleteIfExists(blob); // a blob of the wrong size is damaged
                        Files.createDirectories(blob.getParent());
                        Path partial = cache.incomplete(repoId, etag);
                        long got = client.download(repoId, commit, f, partial, tracker::add);
                        tracker.network.addAndGet(got);
                        verify(partial, f, repoId, commit);
                        HubCache.moveAtomically(partial, blob);
                        tracker.filesDownloaded++;
                    }
                    cache.link(repoId, commit, f.name(), etag);
                }
            }
            String sha256 = f.lfs() ? f.lfsSha256() : Hashes.sha256(blob);
            return new ModelFile(f.name(), f.size(), sha256);
        } catch (IOException e) {
            throw cacheError("cannot store " + f.name() + " of " + repoId + " in " + cache.repoDir(repoId), e);
        }
    }

    /** Size, then sha256 (LFS) or git blob id (small files) against the Hub's metadata. */
    private static void verify(Path partial, HubClient.RemoteFile f, String repoId, String commit) throws IOException {
        String where = f.name() + " of " + repoId + "@" + commit;
        long size = Files.size(partial);
        if (f.size() >= 0 && size != f.size()) {
            Files.deleteIfExists(partial);
            throw new HubException(
                    HubException.Reason.INTEGRITY,
                    "downloaded " + where + " has " + size + " bytes, the Hub's metadata say " + f.size()
                            + "; the download was discarded");
        }
        String expected = f.lfs() ? f.lfsSha256() : f.blobId();
        String actual = f.lfs() ? Hashes.sha256(partial) : Hashes.gitBlobSha1(partial);
        if (!actual.equals(expected)) {
            Files.deleteIfExists(partial);
            throw new HubException(
                    HubException.Reason.INTEGRITY,
                    "downloaded " + where + " is corrupt: its "
                            + (f.lfs() ? "sha256" : "git blob id") + " is " + actual + ", the Hub's metadata say "
                            + expected
                            + "; the download was discarded, nothing was cached");
        }
    }

    private List<String> shardNames(Path index, String where) {
        JsonNode map;
        try {
            map = json.readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new HubException(
                    HubException.Reason.UNSUPPORTED_REPO,
                    0,
                    WEIGHTS_INDEX + " of " + where + " is not valid JSON: " + e.getMessage(),
                    e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new HubException(
                    HubException.Reason.UNSUPPORTED_REPO, WEIGHTS_INDEX + " of " + where + " has no weight_map");
        }
        TreeSet<String> names = new TreeSet<>();
        map.fields().forEachRemaining(e -> names.add(e.getValue().asText()));
        for (String n : names) {
            if (n.contains("..") || n.startsWith("/") || !n.endsWith(".safetensors")) {
                throw new HubException(
                        HubException.Reason.UNSUPPORTED_REPO,
                        WEIGHTS_INDEX + " of " + where + " names an unexpected shard '" + n + "'");
            }
        }
        return new ArrayList<>(names);
    }

    // ---------------------------------------------------------------- the cache alone

    private record CacheLookup(ResolvedModel model, String missing) {}

    /** The model as the cache holds it, with no network; or why it cannot. */
    private CacheLookup lookInCache(ModelReference.Hub ref) {
        String repoId = ref.repoId();
        try {
            String commit;
            if (ref.pinnedToCommit()) {
                commit = ref.revision();
            } else {
                Optional<String> c = cache.readRef(repoId, ref.revision());
                if (c.isEmpty()) {
                    return new CacheLookup(null, "no " + HubCache.folderName(repoId) + "/refs/" + ref.revision());
                }
                commit = c.get();
            }
            Path dir = cache.snapshotDir(repoId, commit);
            if (!Files.isDirectory(dir)) {
                return new CacheLookup(null, "no snapshot " + commit + " in " + HubCache.folderName(repoId));
            }
            List<String> names = new ArrayList<>(REQUIRED_FILES);
            for (String n : OPTIONAL_FILES) {
                if (Files.exists(dir.resolve(n))) {
                    names.add(n);
                }
            }
            if (Files.exists(dir.resolve(WEIGHTS_INDEX))) {
                names.add(WEIGHTS_INDEX);
                names.addAll(shardNames(dir.resolve(WEIGHTS_INDEX), repoId + "@" + commit));
            } else {
                names.add(SINGLE_WEIGHTS);
            }
            List<String> absent =
                    names.stream().filter(n -> !Files.exists(dir.resolve(n))).collect(Collectors.toList());
            if (!absent.isEmpty()) {
                return new CacheLookup(null, "snapshot " + commit + " lacks " + absent);
            }
            List<ModelFile> records = new ArrayList<>();
            for (String n : names) {
                Path p = dir.resolve(n);
                String blobId =
                        Files.isSymbolicLink(p) ? p.toRealPath().getFileName().toString() : null;
                boolean namedBySha256 = blobId != null && blobId.matches("[0-9a-f]{64}");
                // An LFS blob is named by the sha256 it was verified against when downloaded.
                String sha256 = namedBySha256 ? blobId : Hashes.sha256(p);
                records.add(new ModelFile(n, Files.size(p), sha256));
            }
            Provenance provenance = new Provenance("hub", repoId, ref.revision(), commit, config.endpoint(), records);
            return new CacheLookup(
                    new ResolvedModel(dir, provenance, new DownloadStats(0, 0, records.size(), Duration.ZERO)), null);
        } catch (IOException e) {
            throw cacheError("cannot read " + cache.repoDir(repoId), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static boolean hasSize(Path p, long size) throws IOException {
        return Files.isRegularFile(p) && (size < 0 || Files.size(p) == size);
    }

    private static ResolvedModel withElapsed(ResolvedModel m, long start) {
        DownloadStats s = m.stats();
        return new ResolvedModel(
                m.directory(),
                m.provenance(),
                new DownloadStats(s.bytesDownloaded(), s.filesDownloaded(), s.filesCached(), elapsed(start)));
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static HubException cacheError(String what, IOException e) {
        return new HubException(HubException.Reason.CACHE_IO, 0, what + ": " + e, e);
    }

    /** Bytes done/total over the files that were missing, reported at most once per MiB. */
    private final class Tracker {
        final ProgressListener listener;
        final AtomicLong done = new AtomicLong();
        final AtomicLong network = new AtomicLong();
        long total;
        long lastReported = -PROGRESS_STEP;
        int filesDownloaded;

        Tracker(ProgressListener listener) {
            this.listener = listener;
        }

        void plan(String repoId, List<HubClient.RemoteFile> files) {
            for (HubClient.RemoteFile f : files) {
                try {
                    String etag = f.etag();
                    if (etag == null
                            || !SAFE_BLOB_NAME.matcher(etag).matches()
                            || hasSize(cache.blob(repoId, etag), f.size())) {
                        continue;
                    }
                    total += Math.max(f.size(), 0);
                    Path partial = cache.incomplete(repoId, etag);
                    if (Files.isRegularFile(partial)) {
                        done.addAndGet(Math.min(Files.size(partial), Math.max(f.size(), 0)));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            report(true);
        }

        void add(long bytes) {
            done.addAndGet(bytes);
            report(false);
        }

        void finish() {
            done.set(total);
            report(true);
        }

        private void report(boolean force) {
            long d = Math.min(done.get(), total);
            if (force || d - lastReported >= PROGRESS_STEP) {
                lastReported = d;
                listener.onProgress(d, total);
            }
        }
    }

    @Override
    public String toString() {
        return "ModelResolver[" + config.endpoint() + ", cache " + cache.root() + (config.offline() ? ", offline" : "")
                + "]";
    }
}
