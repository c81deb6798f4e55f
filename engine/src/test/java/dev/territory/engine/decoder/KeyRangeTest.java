package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The attention's key range: which keys a chunk may skip, and denominators that do not depend on it. */
class KeyRangeTest {

    @Test
    void keysPastTheLastRealTokenOfEveryPromptAreSkipped() {
        assertThat(Decoder.keyLimit(new int[][] {{1, 1, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 0}}))
                .isEqualTo(3);
        assertThat(Decoder.keyLimit(new int[][] {{1, 1, 1, 1, 1, 1}})).isEqualTo(6);
        // a prompt whose first key is padding could have a query row with every key masked: full width
        assertThat(Decoder.keyLimit(new int[][] {{1, 1, 0, 0}, {0, 1, 1, 0}})).isEqualTo(4);
    }

    @Test
    void keyWidthIsWholeBlocksCappedAtT() {
        assertThat(Decoder.keyWidth(1, 128)).isEqualTo(64);
        assertThat(Decoder.keyWidth(64, 128)).isEqualTo(64);
        assertThat(Decoder.keyWidth(65, 128)).isEqualTo(128);
        assertThat(Decoder.keyWidth(65, 100)).isEqualTo(100);
        assertThat(Decoder.keyWidth(5, 40)).isEqualTo(40);
    }

    @Test
    void rowSumsAreBitIdenticalWhateverTheNumberOfTrailingZeroKeys() {
        Random random = new Random(7);
        int t = 300; // 4 blocks of 64 and a tail of 44
        float[] values = new float[2 * 3 * t];
        for (int i = 0; i < values.length; i++) {
            int key = i % t;
            // weights spanning many magnitudes, zero past key 150 (masked for every row)
            values[i] = key < 150 ? (float) Math.exp(-40 * random.nextDouble()) : 0f;
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray full = manager.create(values, new Shape(1, 2, 3, t));
            float[] reference = Decoder.rowSums(full).toFloatArray();
            for (int width : new int[] {192, 256}) {
                NDArray narrow = full.get("..., :" + width);
                assertThat(Decoder.rowSums(narrow).toFloatArray()).containsExactly(reference);
            }
            // and it is the sum, to float32 rounding
            float[] plain = full.sum(new int[] {-1}).toFloatArray();
            for (int r = 0; r < plain.length; r++) {
                assertThat(reference[r]).isCloseTo(plain[r], org.assertj.core.data.Percentage.withPercentage(1e-4));
            }
        }
    }
}
