package dev.territory.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import dev.territory.engine.cache.ModelCache;
import dev.territory.inference.config.InferenceConfig;
import dev.territory.inference.telemetry.InferenceMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * One {@link EntropyEngine} per compute dtype for the life of the process. Warmed at startup
 * (libtorch is extracted and loaded on first use, seconds): readiness is DOWN until then.
 *
 * <p>Closing an engine frees its root NDManager and every model under it; a job still running on
 * it, or any later job handed the same engine, then fails with DJL's "NDManager has been closed
 * already" (after a shutdown began while jobs were still delivered, every later job of the
 * still-running process would fail that way). So: engines are closed only at shutdown and only once no
 * job holds one ({@link #acquire}/{@link #release}); once shutdown began, {@link #acquire} refuses
 * with {@link ShuttingDown} (the job is left to another replica or the restart, its run is not
 * failed); and an engine found closed is replaced instead of being handed out again.
 *
 * <p>Each engine has its {@link ModelCache} (a model loaded once serves the following
 * jobs, within {@code territory.inference.model-cache-bytes}). Its models live under the engine's
 * NDManager, so the cache goes with its engine: cleared when the engine is replaced, closed before
 * it at shutdown.
 */
@ApplicationScoped
public class EngineHolder {

    private static final Logger LOG = Logger.getLogger(EngineHolder.class);

    /** An engine and the cache of the models loaded through it. */
    private record Slot(EntropyEngine engine, ModelCache cache) {}

    private final InferenceConfig config;
    private final InferenceMetrics metrics;
    private final Map<ComputeDtype, Slot> engines = new ConcurrentHashMap<>();
    /** Resident bytes of all caches, for the one gauge. */
    private final AtomicLong residentBytes = new AtomicLong();

    private final java.util.concurrent.atomic.AtomicInteger inUse = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopping;
    private volatile boolean warm;
    private volatile String warmError;

    EngineHolder(InferenceConfig config, InferenceMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.warmEngine()) {
            warm = true;
            return;
        }
        Thread warmer = new Thread(this::warmUp, "djl-warm-up");
        warmer.setDaemon(true);
        warmer.start();
    }

    private void warmUp() {
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(
                ai.djl.engine.Engine.getEngine("PyTorch").defaultDevice(), "PyTorch")) {
            NDArray a = manager.ones(new ai.djl.ndarray.types.Shape(2, 2));
            a.matMul(a).sum().getFloat();
            engine(ComputeDtype.fromId(
                    dev.territory.contracts.RunRequested.DEFAULT_DTYPE)); // what a request gets by default
            warm = true;
            LOG.infof("DJL engine warm in %.1f s", (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException | Error e) {
            warmError = e.toString();
            LOG.error("DJL engine failed to start", e);
        }
    }

    /** Thrown instead of handing out an engine once the service is shutting down. */
    public static final class ShuttingDown extends IllegalStateException {
        ShuttingDown() {
            super("inference-service is shutting down: the job is left to another replica or the restart");
        }
    }

    /** The engine of {@code dtype}, open; a closed one is replaced (never handed out again). */
    public EntropyEngine engine(ComputeDtype dtype) {
        return engines.compute(dtype, (d, slot) -> {
                    if (slot != null && slot.engine().isOpen()) {
                        return slot;
                    }
                    if (slot != null) {
                        LOG.warnf("the %s engine was closed: starting a new one", d.id());
                        slot.cache().close(); // its models died with the engine's NDManager
                    }
                    EntropyEngine engine = EntropyEngine.create(
                            new EngineOptions(config.device(), d, EngineOptions.DEFAULT_MEMORY_BUDGET, 0));
                    return new Slot(engine, new ModelCache(config.modelCacheBytes(), d, cacheMeters()));
                })
                .engine();
    }

    /** The model cache of {@code engine}, an engine this holder handed out. */
    public ModelCache modelCache(EntropyEngine engine) {
        for (Slot slot : engines.values()) {
            if (slot.engine() == engine) {
                return slot.cache();
            }
        }
        throw new IllegalArgumentException("not an engine of this holder (or one already replaced)");
    }

    private ModelCache.Listener cacheMeters() {
        return new ModelCache.Listener() {
            @Override
            public void hit() {
                metrics.modelCacheHit();
            }

            @Override
            public void miss() {
                metrics.modelCacheMiss();
            }

            @Override
            public void evicted(long bytes) {
                metrics.modelCacheEviction();
            }

            @Override
            public void residentChanged(long deltaBytes) {
                metrics.modelCacheResidentBytes(residentBytes.addAndGet(deltaBytes));
            }
        };
    }

    /** {@link #engine} for a job, which must {@link #release()} it when done; refused once shutdown began. */
    public EntropyEngine acquire(ComputeDtype dtype) {
        inUse.incrementAndGet();
        if (stopping) {
            inUse.decrementAndGet();
            throw new ShuttingDown();
        }
        try {
            return engine(dtype);
        } catch (RuntimeException | Error e) {
            inUse.decrementAndGet();
            throw e;
        }
    }

    public void release() {
        inUse.decrementAndGet();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        // a job ending its seed within 3 s frees its engine; a longer one is left to the process exit,
        // which keeps the whole shutdown well inside Kubernetes' 30 s grace period
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
        while (inUse.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inUse.get() > 0) {
            LOG.warnf("%d job(s) still running at shutdown: engines left to the process exit", inUse.get());
            return; // freeing the native memory under a running forward pass would fail it
        }
        for (Slot slot : engines.values()) {
            slot.cache().close();
            slot.engine().close();
        }
    }

    @Readiness
    HealthCheck engineReady() {
        return () -> HealthCheckResponse.named("djl-engine")
                .status(warm)
                .withData("state", warm ? "warm" : warmError != null ? "failed: " + warmError : "warming")
                .build();
    }
}
