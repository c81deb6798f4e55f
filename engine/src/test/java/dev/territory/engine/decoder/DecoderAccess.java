package dev.territory.engine.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

public final class DecoderAccess {
    public static NDArray mask(NDManager m, NDArray keyReal, int c0, int c, int t, int w) {
        return Decoder.mask(m, keyReal, c0, c, t, w);
    }
}
