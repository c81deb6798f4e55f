package dev.territory.engine.testing;

import dev.territory.engine.ComputeDtype;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.EntropyEngine;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One CPU engine with default options (or another compute dtype) for all tests of a class
 * (libtorch starts once): {@code @RegisterExtension static final SharedEngine ENGINE = new SharedEngine();}.
 */
public final class SharedEngine implements BeforeAllCallback, AfterAllCallback {

    private final ComputeDtype dtype;
    private EntropyEngine engine;

    public SharedEngine() {
        this(EngineOptions.defaults().computeDtype());
    }

    public SharedEngine(ComputeDtype dtype) {
        this.dtype = dtype;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        engine = EntropyEngine.create(EngineOptions.defaults().withComputeDtype(dtype));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (engine != null) {
            engine.close();
        }
    }

    public EntropyEngine get() {
        if (engine == null) {
            throw new IllegalStateException("SharedEngine is used before its class's tests started");
        }
        return engine;
    }
}
