package dev.territory.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * One {@link EntropyEngine} per compute dtype for the life of the process. Warmed at startup
 * (libtorch is extracted and loaded on first use, seconds): readiness is DOWN until then.
 */
@ApplicationScoped
public class EngineHolder {

    private static final Logger LOG = Logger.getLogger(EngineHolder.class);

    private final InferenceConfig config;
    private final Map<ComputeDtype, EntropyEngine> engines = new ConcurrentHashMap<>();
    private volatile boolean warm;
    private volatile String warmError;

    EngineHolder(InferenceConfig config) {
        this.config = config;
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
        try (NDManager manager = NDManager.newBaseManager(ai.djl.engine.Engine.getEngine("PyTorch").defaultDevice(), "PyTorch")) {
            NDArray a = manager.ones(new ai.djl.ndarray.types.Shape(2, 2));
            a.matMul(a).sum().getFloat();
            engine(ComputeDtype.FLOAT32);
            warm = true;
            LOG.infof("DJL engine warm in %.1f s", (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException | Error e) {
            warmError = e.toString();
            LOG.error("DJL engine failed to start", e);
        }
    }

    public EntropyEngine engine(ComputeDtype dtype) {
        return engines.computeIfAbsent(dtype, d -> EntropyEngine.create(
                new EngineOptions(config.device(), d, EngineOptions.DEFAULT_MEMORY_BUDGET, 0)));
    }

    void onStop(@Observes ShutdownEvent event) {
        engines.values().forEach(EntropyEngine::close);
    }

    @Readiness
    HealthCheck engineReady() {
        return () -> HealthCheckResponse.named("djl-engine").status(warm)
                .withData("state", warm ? "warm" : warmError != null ? "failed: " + warmError : "warming").build();
    }
}
