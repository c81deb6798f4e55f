package dev.territory.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.Float32Codec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the stores hold, in this build's format and in the one before it (an upgrade mid-run reads both). */
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
    void vectorsStoredAsBase64ByTheEarlierBuildAreStillRead() {
        byte[] legacy = Float32Codec.encode(MATRIX).getBytes(StandardCharsets.US_ASCII);
        assertThat(MetricsTopology.storedVector(legacy, 2, 3)).isDeepEqualTo(MetricsTopology.storedVector(MetricsTopology.float32Bytes(MATRIX), 2, 3));
    }

    @Test
    void vectorKeysSortByPromptIndex() {
        assertThat(MetricsTopology.vectorKey("r/base/42", 17)).isEqualTo("r/base/42#00000017");
        assertThat(MetricsTopology.vectorKey("r/base/42", 123456789)).isEqualTo("r/base/42#123456789");
    }

    @Test
    void roleStatesOfTheEarlierBuildKeepTheirSeedEvents() throws Exception {
        String legacy = "{\"seedEvents\":{\"42\":{\"seed\":42},\"123\":{\"seed\":123}},\"emitted\":false}";
        RoleState state = EventCodec.mapper().readerFor(RoleState.class)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(legacy);
        assertThat(state.seeds()).containsExactly(42, 123);
        RoleState more = state.plus(456);
        assertThat(more.seeds()).containsExactly(42, 123, 456);
        assertThat(more.holds(123)).isTrue();
        assertThat(more.holds(7)).isFalse();
        // written back, the earlier events stay in the state; the new seed is listed as held
        RoleState again = EventCodec.mapper().readValue(EventCodec.mapper().writeValueAsBytes(more), RoleState.class);
        assertThat(again.seedEvents()).containsOnlyKeys(42, 123);
        assertThat(again.held()).containsExactly(456);
    }
}
