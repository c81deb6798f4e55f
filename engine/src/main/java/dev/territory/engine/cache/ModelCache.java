package dev.territory.engine.cache;

import dev.territory.engine.ComputeDtype;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loaded models kept for reuse across jobs, bounded by a byte budget. One cache per
 * {@code EntropyEngine}: its models live under that engine's NDManager and die with it, so clear
 * the cache when its engine closes or is replaced.
 *
 * <p>A model is keyed by its directory's real path, the compute dtype and a fingerprint of the
 * directory (size and modification time of config.json, the tokenizer, the shard index and every
 * safetensors file): a changed directory is loaded again, and the stale model is dropped. Its cost
 * is the bytes of its weights in the compute dtype (parameters from the safetensors headers times
 * 4 for float32, 2 for float16); activations are not counted.
 *
 * <p>{@link #acquire} hands out a reference-counted {@link Lease}. A leased model is never closed.
 * When a model would push the resident bytes above the budget, idle models are closed least
 * recently used first. A model above the budget on its own is loaded all the same and closed
 * after its last lease. Budget 0 keeps nothing: every lease loads its own model and closes it.
 * Concurrent acquires of one model load it once; the others wait for that load.
 *
 * <p>The model behind a lease may be shared with other leases at the same time, and {@link
 * LoadedModel} computes one thing at a time: callers that share one must not compute on it
 * concurrently.
 */
public final class ModelCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

    /** Loads one model directory (typically {@code engine::load}). */
    @FunctionalInterface
    public interface Loader {
        LoadedModel load(Path dir) throws ModelException;
    }

    /**
     * Told of every hit, miss, eviction and change of the resident bytes (for meters). Called while
     * the cache is locked: keep it quick and never call the cache from it.
     */
    public interface Listener {
        default void hit() {}

        default void miss() {}

        default void evicted(long bytes) {}

        default void residentChanged(long deltaBytes) {}
    }

    /**
     * Counters since the cache was created. Evictions are models closed to make room or because
     * their directory changed; models above the budget, closed after their last lease, and models
     * closed by {@link #clear()} are not evictions.
     *
     * @param residentBytes weight bytes of the models loaded (or loading) through this cache and not closed yet
     * @param residentModels those models
     */
    public record Stats(long hits, long misses, long evictions, long residentBytes, int residentModels) {}

    /** A model in use; closing the lease (once) lets the cache keep or close the model. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private final LoadedModel model;
        private final boolean reused;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Entry entry, LoadedModel model, boolean reused) {
            this.entry = entry;
            this.model = model;
            this.reused = reused;
        }

        public LoadedModel model() {
            return model;
        }

        /** True when this lease found the model loaded (or being loaded by another lease) and did not load it. */
        public boolean reused() {
            return reused;
        }

        /** The model's weight bytes in the compute dtype, as the budget counts them. */
        public long bytes() {
            return entry.bytes;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(entry);
            }
        }
    }

    private record Key(Path dir, ComputeDtype dtype, List<String> fingerprint) {}

    /** One model, loading or loaded. Fields other than {@code ready} are guarded by the cache. */
    private static final class Entry {
        final Key key;
        final CompletableFuture<LoadedModel> ready = new CompletableFuture<>();
        long bytes;
        int leases;
        /** No longer reachable through the map (evicted while leased, stale, cleared): closed at the last release. */
        boolean detached;

        Entry(Key key, long bytes) {
            this.key = key;
            this.bytes = bytes;
        }

        LoadedModel modelIfLoaded() {
            return ready.isDone() && !ready.isCompletedExceptionally() ? ready.join() : null;
        }
    }

    private final long budgetBytes;
    private final ComputeDtype dtype;
    private final Listener listener;

    /** Models reachable for acquire, least recently used first. */
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    /** Every model not closed yet, in the map or detached: what the resident bytes count. */
    private final List<Entry> live = new ArrayList<>();

    private long residentBytes;
    private long hits;
    private long misses;
    private long evictions;
    private boolean closed;

    /**
     * @param budgetBytes bytes of weights kept loaded at most (0: keep nothing)
     * @param dtype the compute dtype of the engine the loader loads with
     */
    public ModelCache(long budgetBytes, ComputeDtype dtype) {
        this(budgetBytes, dtype, new Listener() {});
    }

    public ModelCache(long budgetBytes, ComputeDtype dtype, Listener listener) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("model cache budget must be >= 0 bytes, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
        this.dtype = dtype;
        this.listener = listener;
    }

    /**
     * The model of {@code dir}, loaded with {@code loader} unless a current one is cached.
     *
     * @throws ModelException when the directory cannot be read or the load fails (every lease
     *         waiting for that load gets the same failure; nothing is cached)
     * @throws IllegalStateException once the cache is closed
     */
    public Lease acquire(Path dir, Loader loader) throws ModelException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new ModelException(dir + ": cannot resolve (" + e.getMessage() + ")", e);
        }
        Key key = new Key(real, dtype, ModelFiles.fingerprint(real));
        if (budgetBytes == 0) {
            return loadUncached(key, loader);
        }
        Entry entry;
        synchronized (this) {
            entry = share(key);
        }
        boolean loads = false;
        List<Entry> victims = new ArrayList<>();
        if (entry == null) {
            long estimate = ModelFiles.estimateBytes(real, dtype); // reads headers: outside the lock
            synchronized (this) {
                entry = share(key);
                if (entry == null) {
                    entry = admit(key, estimate, victims);
                    loads = true;
                }
            }
        }
        closeAll(victims);
        if (!loads) {
            return new Lease(entry, await(entry), true);
        }
        LoadedModel model = load(entry, loader);
        return new Lease(entry, model, false);
    }

    /** Counts so far. */
    public synchronized Stats stats() {
        return new Stats(hits, misses, evictions, residentBytes, live.size());
    }

    /**
     * Forgets every model: idle ones are closed now, leased ones at their last release. For when
     * the engine the models live under closes or is replaced.
     */
    public void clear() {
        List<Entry> idle = new ArrayList<>();
        synchronized (this) {
            for (Entry e : entries.values()) {
                e.detached = true;
                if (e.leases == 0 && forget(e)) {
                    idle.add(e);
                }
            }
            entries.clear();
        }
        closeAll(idle);
    }

    /** {@link #clear()}, and refuses further acquires. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        clear();
    }

    /** An entry of {@code key} with one more lease, or null; counts the hit. */
    private Entry share(Key key) {
        if (closed) {
            throw new IllegalStateException("the model cache is closed");
        }
        Entry e = entries.get(key); // access order: now the most recently used
        if (e == null) {
            return null;
        }
        e.leases++;
        hits++;
        listener.hit();
        return e;
    }

    /**
     * A new entry for {@code key}, leased once and reserving {@code estimate} bytes; stale models of
     * the same directory and, if needed, least recently used idle models go to {@code victims}.
     */
    private Entry admit(Key key, long estimate, List<Entry> victims) {
        misses++;
        listener.miss();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.key.dir().equals(key.dir()) && e.key.dtype() == key.dtype()) {
                LOG.info("{} changed on disk: its loaded model is dropped", key.dir());
                it.remove();
                evict(e, victims);
            }
        }
        Entry entry = new Entry(key, estimate);
        entry.leases = 1;
        makeRoom(estimate, victims);
        entries.put(key, entry);
        live.add(entry);
        residentBytes += estimate;
        listener.residentChanged(estimate);
        return entry;
    }

    /** Closes idle models, least recently used first, until {@code incoming} more bytes fit the budget. */
    private void makeRoom(long incoming, List<Entry> victims) {
        for (Iterator<Entry> it = entries.values().iterator();
                it.hasNext() && residentBytes + incoming > budgetBytes; ) {
            Entry e = it.next();
            if (e.leases == 0 && e.modelIfLoaded() != null) {
                it.remove();
                evict(e, victims);
            }
        }
        if (residentBytes + incoming > budgetBytes) {
            LOG.info(
                    "model cache over its budget of {} bytes while models are in use: {} resident, {} coming",
                    budgetBytes,
                    residentBytes,
                    incoming);
        }
    }

    /** Takes a model out of the map (the caller removed it): closed now when idle, else at its last release. */
    private void evict(Entry e, List<Entry> victims) {
        evictions++;
        listener.evicted(e.bytes);
        e.detached = true;
        if (e.leases == 0 && forget(e)) {
            victims.add(e);
        }
    }

    /** The model is about to be closed (or was never loaded): it no longer counts. False if already forgotten. */
    private boolean forget(Entry e) {
        if (!live.remove(e)) {
            return false;
        }
        residentBytes -= e.bytes;
        listener.residentChanged(-e.bytes);
        return true;
    }

    private LoadedModel load(Entry entry, Loader loader) throws ModelException {
        LoadedModel model;
        try {
            model = loader.load(entry.key.dir());
        } catch (ModelException | RuntimeException | Error e) {
            synchronized (this) {
                entries.remove(entry.key, entry);
                entry.detached = true;
                entry.leases--;
                forget(entry);
            }
            entry.ready.completeExceptionally(e);
            throw e;
        }
        long actual;
        try {
            actual = ModelFiles.loadedBytes(model.weightFiles(), dtype);
        } catch (ModelException | RuntimeException e) {
            actual = entry.bytes; // the loader read these files a moment ago; keep the estimate
        }
        List<Entry> victims = new ArrayList<>();
        synchronized (this) {
            if (live.contains(entry) && actual != entry.bytes) {
                residentBytes += actual - entry.bytes;
                listener.residentChanged(actual - entry.bytes);
                entry.bytes = actual;
                if (!entry.detached) {
                    makeRoom(0, victims);
                }
            }
            if (actual > budgetBytes) {
                LOG.info(
                        "{} needs {} bytes, above the model cache budget of {}: it is not kept after its last lease",
                        entry.key.dir(),
                        actual,
                        budgetBytes);
            }
        }
        entry.ready.complete(model);
        closeAll(victims);
        return model;
    }

    private static LoadedModel await(Entry entry) throws ModelException {
        try {
            return entry.ready.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModelException m) {
                throw new ModelException(m.getMessage(), m);
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private void release(Entry entry) {
        List<Entry> victims = new ArrayList<>();
        synchronized (this) {
            entry.leases--;
            if (entry.leases > 0) {
                return;
            }
            if (entry.detached || entry.bytes > budgetBytes) {
                entries.remove(entry.key, entry);
                entry.detached = true;
                if (forget(entry)) {
                    victims.add(entry);
                }
            } else {
                makeRoom(0, victims); // back under the budget once models in use come free
            }
        }
        closeAll(victims);
    }

    private LoadedModel loadAndCount(Loader loader, Path dir) throws ModelException {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the model cache is closed");
            }
            misses++;
            listener.miss();
        }
        return loader.load(dir);
    }

    /** Budget 0: a model of its own for this lease, closed with it. */
    private Lease loadUncached(Key key, Loader loader) throws ModelException {
        LoadedModel model = loadAndCount(loader, key.dir());
        Entry entry;
        long bytes;
        try {
            bytes = ModelFiles.loadedBytes(model.weightFiles(), dtype);
        } catch (ModelException | RuntimeException e) {
            bytes = 0;
        }
        synchronized (this) {
            entry = new Entry(key, bytes);
            entry.leases = 1;
            entry.detached = true;
            entry.ready.complete(model);
            live.add(entry);
            residentBytes += bytes;
            listener.residentChanged(bytes);
        }
        return new Lease(entry, model, false);
    }

    /** Closes the models the cache let go of (each forgotten once), outside its lock. */
    private static void closeAll(List<Entry> victims) {
        for (Entry e : victims) {
            LoadedModel m = e.modelIfLoaded();
            if (m == null) {
                continue;
            }
            try {
                m.close();
            } catch (RuntimeException ex) {
                // a model under an engine that closed first: its native memory is already gone
                LOG.warn("closing the model of {} failed: {}", e.key.dir(), ex.toString());
            }
        }
    }
}
