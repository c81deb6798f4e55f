package dev.territory.engine.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.engine.placement.LayerPlan.Assignment;
import dev.territory.engine.placement.LayerPlanner.DeviceCapacity;
import dev.territory.engine.placement.LayerPlanner.DoesNotFit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The placement of layers over devices, on byte counts alone. */
class LayerPlannerTest {

    private static final long EMBED = 1_000;
    private static final long LAYER = 100;

    private static long[] layers(int n) {
        long[] out = new long[n];
        java.util.Arrays.fill(out, LAYER);
        return out;
    }

    private static DeviceCapacity gpu(int i, long bytes) {
        return new DeviceCapacity("gpu:" + i, bytes);
    }

    @Test
    void fitsOnOneDevice() throws DoesNotFit {
        LayerPlan plan = LayerPlanner.plan(EMBED, layers(32), List.of(gpu(0, 10_000), gpu(1, 10_000)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding + layers 0-31");
        assertThat(plan.devices()).hasSize(2);
        assertThat(plan.devices().get(0).bytes()).isEqualTo(EMBED + 32 * LAYER);
        assertThat(plan.devices().get(1).layerCount()).isZero();
        assertThat(plan.devicesUsed()).isEqualTo(1);
        for (int l = 0; l < 32; l++) {
            assertThat(plan.deviceOf(l)).isZero();
        }
    }

    @Test
    void unlimitedCpuTakesEverything() throws DoesNotFit {
        LayerPlan plan = LayerPlanner.plan(
                Long.MAX_VALUE / 4, layers(3), List.of(new DeviceCapacity("cpu", LayerPlanner.UNLIMITED)));
        assertThat(plan.describe()).isEqualTo("cpu embedding + layers 0-2");
    }

    @Test
    void splitsOverTwoByCapacity() throws DoesNotFit {
        // gpu:0 takes the embedding and 16 layers (2600 of 2650), gpu:1 the other 16
        LayerPlan plan = LayerPlanner.plan(EMBED, layers(32), List.of(gpu(0, 2_650), gpu(1, 5_000)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding + layers 0-15, gpu:1 layers 16-31");
        assertThat(plan.deviceOf(15)).isEqualTo(0);
        assertThat(plan.deviceOf(16)).isEqualTo(1);
        assertThat(plan.devices().get(1)).isEqualTo(new Assignment("gpu:1", false, 16, 32, 1_600, 5_000));
    }

    @Test
    void splitsOverThreeByCapacity() throws DoesNotFit {
        long[] sizes = {100, 100, 300, 100, 100, 100, 50};
        LayerPlan plan = LayerPlanner.plan(EMBED, sizes, List.of(gpu(0, 1_250), gpu(1, 450), gpu(2, 1_000)));
        // gpu:0: 1000 + 100 + 100 = 1200, layer 2 (300) would make 1500; gpu:1: 300 + 100 = 400; gpu:2 the rest
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding + layers 0-1, gpu:1 layers 2-3, gpu:2 layers 4-6");
        assertThat(plan.devices()).extracting(Assignment::bytes).containsExactly(1_200L, 400L, 250L);
    }

    @Test
    void exactBoundaryFillsTheDevice() throws DoesNotFit {
        // capacity exactly embedding + 4 layers: layer 3 fits with 0 bytes to spare, layer 4 goes on
        LayerPlan plan = LayerPlanner.plan(EMBED, layers(6), List.of(gpu(0, EMBED + 4 * LAYER), gpu(1, 2 * LAYER)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding + layers 0-3, gpu:1 layers 4-5");
        // one byte less: layer 3 moves
        LayerPlan less = LayerPlanner.plan(EMBED, layers(6), List.of(gpu(0, EMBED + 4 * LAYER - 1), gpu(1, 3 * LAYER)));
        assertThat(less.describe()).isEqualTo("gpu:0 embedding + layers 0-2, gpu:1 layers 3-5");
    }

    @Test
    void embeddingIsOnTheFirstDeviceEvenWhenItHoldsNoLayer() throws DoesNotFit {
        LayerPlan plan = LayerPlanner.plan(EMBED, layers(4), List.of(gpu(0, EMBED), gpu(1, 4 * LAYER)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding, gpu:1 layers 0-3");
        assertThat(plan.devices().get(0).embedding()).isTrue();
        assertThat(plan.devices().get(1).embedding()).isFalse();
        assertThat(plan.deviceOf(0)).isEqualTo(1);
    }

    @Test
    void aDeviceTooSmallForTheNextLayerIsSkipped() throws DoesNotFit {
        LayerPlan plan = LayerPlanner.plan(
                EMBED, layers(4), List.of(gpu(0, EMBED + LAYER), gpu(1, LAYER - 1), gpu(2, 3 * LAYER)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding + layer 0, gpu:2 layers 1-3");
        assertThat(plan.devicesUsed()).isEqualTo(2);
    }

    @Test
    void doesNotFitSaysBytesNeededAndAvailablePerDevice() {
        assertThatThrownBy(() -> LayerPlanner.plan(EMBED, layers(8), List.of(gpu(0, 1_250), gpu(1, 300))))
                .isInstanceOf(DoesNotFit.class)
                .hasMessage("the model does not fit: it needs 1800 bytes (embedding 1000 bytes + 8 layers); per device,"
                        + " needed of available: gpu:0 1200 bytes (embedding + layers 0-1) of 1250 bytes;"
                        + " gpu:1 300 bytes (layers 2-4) of 300 bytes; layers 5-7 (300 bytes) fit on none;"
                        + " layer 5 alone needs 100 bytes");
    }

    @Test
    void embeddingLargerThanTheFirstDevice() {
        assertThatThrownBy(() -> LayerPlanner.plan(3L << 30, layers(2), List.of(gpu(0, 2L << 30), gpu(1, 8L << 30))))
                .isInstanceOf(DoesNotFit.class)
                .hasMessage(
                        "the model does not fit: its embedding needs 3.00 GiB = 3221225472 bytes on the first device"
                                + " gpu:0, which has 2.00 GiB = 2147483648 bytes available");
    }

    @Test
    void zeroDevicesIsRefused() {
        assertThatThrownBy(() -> LayerPlanner.plan(EMBED, layers(2), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no devices to place the model on");
    }

    @Test
    void zeroLayersPutsOnlyTheEmbedding() throws DoesNotFit {
        LayerPlan plan = LayerPlanner.plan(EMBED, new long[0], List.of(gpu(0, EMBED)));
        assertThat(plan.describe()).isEqualTo("gpu:0 embedding");
        assertThatThrownBy(() -> plan.deviceOf(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
