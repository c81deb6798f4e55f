package dev.territory.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.territory.engine.decoder.DecoderModel;
import java.nio.file.Path;

/**
 * Entry point: one per process. Owns the DJL {@link NDManager} on the chosen device; models loaded
 * through it live under it and are freed by {@link LoadedModel#close()} or when the engine closes.
 */
public final class EntropyEngine implements AutoCloseable {

    private final EngineOptions options;
    private final NDManager manager;
    private final Device device;

    private EntropyEngine(EngineOptions options) {
        this.options = options;
        Engine engine = Engine.getEngine("PyTorch");
        this.device = Device.fromName(options.device(), engine);
        this.manager = engine.newBaseManager(device);
    }

    public static EntropyEngine create(EngineOptions options) {
        return new EntropyEngine(options == null ? EngineOptions.defaults() : options);
    }

    public EngineOptions options() {
        return options;
    }

    /** Reads and validates config.json, the safetensors files and the tokenizer of {@code modelDir}. */
    public LoadedModel load(Path modelDir) throws ModelException {
        return DecoderModel.load(modelDir, manager, options);
    }

    /** False once {@link #close()} ran: nothing can be loaded or computed with it any more. */
    public boolean isOpen() {
        return manager.isOpen();
    }

    @Override
    public void close() {
        manager.close();
    }
}
