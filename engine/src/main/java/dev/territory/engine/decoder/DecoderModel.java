package dev.territory.engine.decoder;

import ai.djl.ndarray.NDManager;
import dev.territory.engine.EngineOptions;
import dev.territory.engine.LoadedModel;
import dev.territory.engine.ModelException;
import java.nio.file.Path;

/** A loaded Llama-style decoder (placeholder while the forward pass lands). */
public final class DecoderModel {
    private DecoderModel() {}

    public static LoadedModel load(Path modelDir, NDManager manager, EngineOptions options) throws ModelException {
        throw new ModelException(modelDir + ": model loading is not implemented yet");
    }
}
