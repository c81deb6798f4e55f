package dev.territory.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EntropyRequest;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import dev.territory.engine.ProgressListener;
import dev.territory.engine.PromptEntropies;
import dev.territory.engine.Protocol;
import dev.territory.engine.TestData;
import dev.territory.engine.WeightFile;
import dev.territory.engine.testing.SharedEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model cache on the fixture models, loaded for real by one engine: loads are counted and
 * closes recorded by a wrapper around each loaded model, so every assertion is about instances
 * and counts, not about timing.
 */
class ModelCacheTest {

    @RegisterExtension
    static final SharedEngine ENGINE = new SharedEngine();

    static final Path LLAMA_BASE = TestData.model("llama3-gqa-base");
    static final Path LLAMA_INSTRUCT = TestData.model("llama3-gqa-instruct");
    static final Path MISTRAL_BASE = TestData.model("mistral-mha-base");

    @TempDir
    Path tmp;

    /** The budget's cost of a fixture in float32: 4 bytes per parameter, parameters counted from its header here. */
    static long f32Bytes(Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (FileChannel c = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            c.read(len, 0);
            ByteBuffer header = ByteBuffer.allocate((int) len.getLong(0));
            c.read(header, 8);
            long parameters = 0;
            for (var it = new ObjectMapper().readTree(header.array()).fields(); it.hasNext(); ) {
                var tensor = it.next();
                long n = 1;
                for (var d : tensor.getValue().path("shape")) {
                    n *= d.asLong();
                }
                parameters += tensor.getKey().equals("__metadata__") ? 0 : n;
            }
            return 4 * parameters;
        }
    }

    @Test
    void theSameModelTwiceIsLoadedOnceAndCountedAsAHit() throws Exception {
        Counting loader = new Counting();
        try (ModelCache cache = new ModelCache(1L << 30, ComputeDtype.FLOAT32)) {
            LoadedModel first;
            try (ModelCache.Lease a = cache.acquire(LLAMA_BASE, loader)) {
                first = a.model();
                assertThat(a.reused()).isFalse();
                assertThat(a.bytes()).isEqualTo(f32Bytes(LLAMA_BASE));
            }
            try (ModelCache.Lease b = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(b.model()).isSameAs(first);
                assertThat(b.reused()).isTrue();
                assertThat(entropies(b.model())).isNotEmpty(); // kept open and usable
            }
            assertThat(loader.loads.get()).isEqualTo(1);
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(1, 1, 0, f32Bytes(LLAMA_BASE), 1));
            assertThat(loader.models.get(0).closed).isFalse();
        }
        assertThat(loader.models.get(0).closed)
                .as("closing the cache closes its models")
                .isTrue();
    }

    @Test
    void aBudgetForOneModelClosesTheIdleOne() throws Exception {
        Counting loader = new Counting();
        long budget = Math.max(f32Bytes(LLAMA_BASE), f32Bytes(MISTRAL_BASE));
        try (ModelCache cache = new ModelCache(budget, ComputeDtype.FLOAT32)) {
            cache.acquire(LLAMA_BASE, loader).close();
            cache.acquire(MISTRAL_BASE, loader).close();
            Tracked llama = loader.models.get(0);
            Tracked mistral = loader.models.get(1);
            assertThat(llama.closed).isTrue();
            assertThat(mistral.closed).isFalse();
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(0, 2, 1, f32Bytes(MISTRAL_BASE), 1));
        }
    }

    @Test
    void evictionTakesTheLeastRecentlyUsedNotTheOldest() throws Exception {
        Counting loader = new Counting();
        // room for the three models less one byte: one of the llamas must go for mistral
        long budget = f32Bytes(LLAMA_BASE) + f32Bytes(LLAMA_INSTRUCT) + f32Bytes(MISTRAL_BASE) - 1;
        try (ModelCache cache = new ModelCache(budget, ComputeDtype.FLOAT32)) {
            cache.acquire(LLAMA_BASE, loader).close();
            cache.acquire(LLAMA_INSTRUCT, loader).close();
            cache.acquire(LLAMA_BASE, loader).close(); // base is now the most recently used
            cache.acquire(MISTRAL_BASE, loader).close();
            assertThat(loader.loads.get()).isEqualTo(3);
            assertThat(loader.models.get(0).closed)
                    .as("llama base, used last but one")
                    .isFalse();
            assertThat(loader.models.get(1).closed)
                    .as("llama instruct, least recently used")
                    .isTrue();
            assertThat(loader.models.get(2).closed).isFalse();
            assertThat(cache.stats().evictions()).isEqualTo(1);
            assertThat(cache.stats().hits()).isEqualTo(1);
        }
    }

    @Test
    void aLeasedModelIsNeitherEvictedNorClosed() throws Exception {
        Counting loader = new Counting();
        long budget = Math.max(f32Bytes(LLAMA_BASE), f32Bytes(MISTRAL_BASE));
        try (ModelCache cache = new ModelCache(budget, ComputeDtype.FLOAT32)) {
            try (ModelCache.Lease llama = cache.acquire(LLAMA_BASE, loader)) {
                try (ModelCache.Lease mistral = cache.acquire(MISTRAL_BASE, loader)) {
                    // both in use: over the budget for now, nothing closed
                    assertThat(cache.stats().residentBytes()).isEqualTo(f32Bytes(LLAMA_BASE) + f32Bytes(MISTRAL_BASE));
                    assertThat(cache.stats().evictions()).isZero();
                    assertThat(loader.models.get(0).closed).isFalse();
                    assertThat(entropies(llama.model())).isNotEmpty();
                    assertThat(entropies(mistral.model())).isNotEmpty();
                }
                // mistral came free, llama is still leased: mistral is the one that goes
                assertThat(loader.models.get(1).closed).isTrue();
                assertThat(loader.models.get(0).closed).isFalse();
                assertThat(entropies(llama.model())).isNotEmpty();
            }
            try (ModelCache.Lease again = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(again.model()).isSameAs(loader.models.get(0));
            }
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(1, 2, 1, f32Bytes(LLAMA_BASE), 1));
        }
    }

    @Test
    void aChangedDirectoryIsLoadedAgainAndTheStaleModelClosed() throws Exception {
        Path dir = copy(LLAMA_BASE, tmp.resolve("model"));
        Counting loader = new Counting();
        try (ModelCache cache = new ModelCache(1L << 30, ComputeDtype.FLOAT32)) {
            cache.acquire(dir, loader).close();
            Path config = dir.resolve("config.json");
            Files.setLastModifiedTime(
                    config,
                    FileTime.fromMillis(Files.getLastModifiedTime(config).toMillis() + 60_000));
            try (ModelCache.Lease b = cache.acquire(dir, loader)) {
                assertThat(b.reused()).isFalse();
                assertThat(b.model()).isSameAs(loader.models.get(1));
            }
            assertThat(loader.loads.get()).isEqualTo(2);
            assertThat(loader.models.get(0).closed).isTrue();
            // a weight file of another size but the same time is a change too
            Path weights = dir.resolve("model.safetensors");
            FileTime t = Files.getLastModifiedTime(weights);
            padHeader(weights);
            Files.setLastModifiedTime(weights, t);
            try (ModelCache.Lease c = cache.acquire(dir, loader)) {
                assertThat(c.model()).isSameAs(loader.models.get(2));
            }
            assertThat(loader.models.get(1).closed).isTrue();
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(0, 3, 2, f32Bytes(dir), 1));
            cache.acquire(dir, loader).close();
            assertThat(loader.loads.get()).as("unchanged since: a hit").isEqualTo(3);
        }
    }

    @Test
    void budgetZeroReusesNothing() throws Exception {
        Counting loader = new Counting();
        try (ModelCache cache = new ModelCache(0, ComputeDtype.FLOAT32)) {
            try (ModelCache.Lease a = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(cache.stats().residentBytes()).isEqualTo(f32Bytes(LLAMA_BASE));
                assertThat(a.reused()).isFalse();
            }
            assertThat(loader.models.get(0).closed).isTrue();
            try (ModelCache.Lease b = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(b.model()).isNotSameAs(loader.models.get(0));
            }
            assertThat(loader.models.get(1).closed).isTrue();
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(0, 2, 0, 0, 0));
        }
    }

    @Test
    void aModelAboveTheBudgetIsLoadedButNotKept() throws Exception {
        Counting loader = new Counting();
        try (ModelCache cache = new ModelCache(f32Bytes(MISTRAL_BASE), ComputeDtype.FLOAT32)) {
            cache.acquire(MISTRAL_BASE, loader).close();
            try (ModelCache.Lease big = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(entropies(big.model())).isNotEmpty();
                assertThat(loader.models.get(0).closed)
                        .as("the idle model made room")
                        .isTrue();
            }
            assertThat(loader.models.get(1).closed).isTrue();
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(0, 2, 1, 0, 0));
        }
    }

    @Test
    void fourThreadsAskingForOneModelLoadItOnce() throws Exception {
        Counting loader = new Counting(300); // a slow load: the other three ask while it runs
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ModelCache cache = new ModelCache(1L << 30, ComputeDtype.FLOAT32)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ModelCache.Lease>> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(pool.submit(() -> {
                    go.await();
                    return cache.acquire(LLAMA_BASE, loader);
                }));
            }
            go.countDown();
            List<ModelCache.Lease> held = new ArrayList<>();
            for (Future<ModelCache.Lease> f : leases) {
                held.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(loader.loads.get()).isEqualTo(1);
            assertThat(held).allSatisfy(l -> assertThat(l.model()).isSameAs(loader.models.get(0)));
            assertThat(held.stream().filter(ModelCache.Lease::reused).count()).isEqualTo(3);
            assertThat(cache.stats().hits()).isEqualTo(3);
            assertThat(cache.stats().misses()).isEqualTo(1);
            for (ModelCache.Lease l : held) {
                l.close();
                l.close(); // a second close of one lease releases nothing more
            }
            assertThat(loader.models.get(0).closed).isFalse();
            try (ModelCache.Lease again = cache.acquire(LLAMA_BASE, loader)) {
                assertThat(again.model()).isSameAs(loader.models.get(0));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedLoadIsNotCachedAndIsTriedAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        ModelCache.Loader failing = dir -> {
            attempts.incrementAndGet();
            throw new ModelException(dir + ": broken");
        };
        try (ModelCache cache = new ModelCache(1L << 30, ComputeDtype.FLOAT32)) {
            assertThatThrownBy(() -> cache.acquire(LLAMA_BASE, failing)).hasMessageContaining("broken");
            assertThatThrownBy(() -> cache.acquire(LLAMA_BASE, failing)).hasMessageContaining("broken");
            assertThat(attempts.get()).isEqualTo(2);
            assertThat(cache.stats()).isEqualTo(new ModelCache.Stats(0, 2, 0, 0, 0));
        }
    }

    static List<PromptEntropies> entropies(LoadedModel model) throws ModelException {
        return model.computeEntropies(
                List.of("The cat sat on the mat."), new EntropyRequest(16, Protocol.E11_V3, 1), ProgressListener.NONE);
    }

    /** Rewrites a safetensors file with 8 more spaces of header padding (valid, and 8 bytes longer). */
    static void padHeader(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) in.getLong(0);
        ByteBuffer out = ByteBuffer.allocate(all.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerLength + 8);
        out.put(all, 8, headerLength);
        out.put("        ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.put(all, 8 + headerLength, all.length - 8 - headerLength);
        Files.write(file, out.array());
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /** Loads with the test engine, counting loads and keeping every model it made, in order. */
    static final class Counting implements ModelCache.Loader {
        final AtomicInteger loads = new AtomicInteger();
        final List<Tracked> models = Collections.synchronizedList(new ArrayList<>());
        private final long delayMillis;

        Counting() {
            this(0);
        }

        Counting(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        @Override
        public LoadedModel load(Path dir) throws ModelException {
            loads.incrementAndGet();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Tracked t = new Tracked(ENGINE.get().load(dir));
            models.add(t);
            return t;
        }
    }

    /** A loaded model that remembers whether it was closed. */
    static final class Tracked implements LoadedModel {
        private final LoadedModel delegate;
        volatile boolean closed;

        Tracked(LoadedModel delegate) {
            this.delegate = delegate;
        }

        @Override
        public dev.territory.engine.config.ModelConfig config() {
            return delegate.config();
        }

        @Override
        public String storageDtype() {
            return delegate.storageDtype();
        }

        @Override
        public long parameterCount() {
            return delegate.parameterCount();
        }

        @Override
        public List<WeightFile> weightFiles() {
            return delegate.weightFiles();
        }

        @Override
        public List<PromptEntropies> computeEntropies(
                List<String> prompts, EntropyRequest request, ProgressListener progress) throws ModelException {
            assertThat(closed).as("computing on a closed model").isFalse();
            return delegate.computeEntropies(prompts, request, progress);
        }

        @Override
        public int forwardOnly(List<String> prompts, EntropyRequest request) throws ModelException {
            return delegate.forwardOnly(prompts, request);
        }

        @Override
        public void close() {
            assertThat(closed).as("closed twice").isFalse();
            closed = true;
            delegate.close();
        }
    }
}
