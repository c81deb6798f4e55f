package dev.territory.inference.telemetry;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Warms the DJL engine once at start-up, on its own thread: the first use of PyTorch extracts
 * (CPU) or downloads (CUDA flavor, unless the image pre-fetched it) libtorch, which takes seconds.
 * {@link ModelEngineReadinessCheck} reports DOWN until this has finished, so Kubernetes, KEDA
 * roll-outs and {@code ./territory up} only count the replica once it can compute. DJL's engine is
 * a process-wide singleton, so service code warming it again costs nothing.
 */
@ApplicationScoped
public class EngineWarmup {
    private static final Logger LOG = Logger.getLogger(EngineWarmup.class.getName());

    /** The state the readiness check reports. */
    public record State(boolean warm, String engine, String version, int gpus, long millis, String error) {}

    private final String engineName;
    private final boolean enabled;
    private final AtomicReference<State> state;

    @Inject
    public EngineWarmup(@ConfigProperty(name = "territory.inference.warmup.engine", defaultValue = "PyTorch") String engineName,
            @ConfigProperty(name = "territory.inference.warmup.enabled", defaultValue = "true") boolean enabled) {
        this.engineName = engineName;
        this.enabled = enabled;
        this.state = new AtomicReference<>(new State(false, engineName, null, 0, 0, null));
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        if (!enabled) {
            state.set(new State(true, engineName, "not warmed (territory.inference.warmup.enabled=false)", 0, 0, null));
            return;
        }
        Thread t = new Thread(this::warm, "territory-engine-warmup");
        t.setDaemon(true);
        t.start();
    }

    /** Loads the engine and runs one tiny op on its default device; public for tests. */
    public void warm() {
        long t0 = System.nanoTime();
        try {
            Engine engine = Engine.getEngine(engineName);
            try (NDManager manager = engine.newBaseManager()) {
                NDArray x = manager.ones(new ai.djl.ndarray.types.Shape(2, 2));
                x.matMul(x).toFloatArray(); // forces the native library and the device to be used once
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            state.set(new State(true, engine.getEngineName(), engine.getVersion(), engine.getGpuCount(), ms, null));
            LOG.info(() -> "DJL engine " + engineName + " warm in " + ms + " ms");
        } catch (RuntimeException | Error e) {
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            state.set(new State(false, engineName, null, 0, (System.nanoTime() - t0) / 1_000_000, error));
            LOG.log(Level.SEVERE, "DJL engine " + engineName + " failed to warm up", e);
        }
    }

    public State state() {
        return state.get();
    }
}
