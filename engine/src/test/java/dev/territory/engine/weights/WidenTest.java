package dev.territory.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/**
 * The device-side widening of stored 16-bit values (used on GPUs, run here on the CPU) gives the
 * host conversion's bits for every pattern, in any order and shape.
 */
class WidenTest {

    @Test
    void everyBf16AndF16PatternWidensToTheHostConversionsBits() {
        for (String dtype : new String[] {"BF16", "F16"}) {
            // every pattern once, in a scrambled order (an odd multiplier permutes 0..65535)
            ByteBuffer stored = ByteBuffer.allocateDirect(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 1 << 16; i++) {
                stored.putShort((short) (i * 40503 + 7));
            }
            stored.flip();
            float[] host = new float[1 << 16];
            WeightStore.toFloat32(
                    dtype, stored.duplicate().order(ByteOrder.LITTLE_ENDIAN), FloatBuffer.wrap(host), host.length);
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                NDArray table = manager.create(WeightStore.widenTableValues(dtype));
                NDArray device = WeightStore.widen(stored, new Shape(256, 16, 16), table, manager);
                assertThat(device.getShape()).isEqualTo(new Shape(256, 16, 16));
                float[] got = device.toFloatArray();
                int differing = 0;
                for (int i = 0; i < host.length; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(host[i])) {
                        differing++;
                    }
                }
                assertThat(differing)
                        .as(dtype + " patterns widened to other bits")
                        .isZero();
            }
        }
    }

    @Test
    void knownValues() {
        float[] bf16 = WeightStore.widenTableValues("BF16");
        assertThat(bf16[0x3F80]).isEqualTo(1.0f);
        assertThat(bf16[0xC000]).isEqualTo(-2.0f);
        assertThat(bf16[0x7F80]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(bf16[0x0001]).isEqualTo(Float.intBitsToFloat(0x00010000)); // a subnormal, kept
        float[] f16 = WeightStore.widenTableValues("F16");
        assertThat(f16[0x3C00]).isEqualTo(1.0f);
        assertThat(f16[0x0001]).isEqualTo(0x1p-24f);
        assertThat(f16[0xFBFF]).isEqualTo(-65504f);
    }
}
