package dev.territory.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.EventCodec;
import org.junit.jupiter.api.Test;

/** What the stores hold. */
class StoreFormatTest {

    private static final float[][] MATRIX = {{0.5f, Float.MIN_VALUE, 1f}, {0.1f, 0.2f, -0f}};

    @Test
    void vectorsAreStoredAsFloat32AndReadBackExactly() {
        byte[] stored = MetricsTopology.float32Bytes(MATRIX);
        assertThat(stored).hasSize(2 * 3 * 4);
        double[][] back = MetricsTopology.storedVector(stored, 2, 3);
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 3; h++) {
                assertThat(back[l][h]).isEqualTo((double) MATRIX[l][h]);
            }
        }
    }

    @Test
    void aStoredVectorOfAnotherLengthIsRefusedWithItsSizes() {
        assertThatThrownBy(() -> MetricsTopology.storedVector(new byte[20], 2, 3))
                .hasMessage("a stored vector has 20 bytes, 2x3 float32 values need 24");
    }

    @Test
    void vectorKeysSortByPromptIndex() {
        assertThat(MetricsTopology.vectorKey("r/base/42", 17)).isEqualTo("r/base/42#00000017");
        assertThat(MetricsTopology.vectorKey("r/base/42", 123456789)).isEqualTo("r/base/42#123456789");
    }

    @Test
    void roleStatesRoundTripWithTheSeedsTheyHold() throws Exception {
        RoleState state = RoleState.empty().plus(123).plus(42);
        assertThat(state.holds(123)).isTrue();
        assertThat(state.holds(7)).isFalse();
        RoleState again = EventCodec.mapper().readValue(EventCodec.mapper().writeValueAsBytes(state), RoleState.class);
        assertThat(again.seeds()).containsExactly(42, 123);
        assertThat(again.emitted()).isFalse();
    }
}
