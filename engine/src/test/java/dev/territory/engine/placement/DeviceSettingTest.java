package dev.territory.engine.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.territory.engine.placement.DeviceSetting.LogicalDevice;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** Parsing and resolving the device setting against a given number of visible GPUs. */
class DeviceSettingTest {

    private static final IntSupplier NO_GPU = () -> 0;
    private static final IntSupplier FOUR_GPUS = () -> 4;

    private static List<String> names(String setting, IntSupplier gpus) {
        return DeviceSetting.resolve(setting, gpus).stream()
                .map(LogicalDevice::name)
                .toList();
    }

    @Test
    void cpuIsTheDefault() {
        assertThat(names("cpu", NO_GPU)).containsExactly("cpu");
        assertThat(names(null, NO_GPU)).containsExactly("cpu");
        assertThat(names("  ", NO_GPU)).containsExactly("cpu");
        assertThat(names(" CPU ", FOUR_GPUS)).containsExactly("cpu");
        assertThat(DeviceSetting.resolve("cpu", NO_GPU).get(0).cuda()).isFalse();
    }

    @Test
    void cpuNeverAsksForTheGpuCount() {
        IntSupplier fails = () -> {
            throw new AssertionError("the GPU count was asked for");
        };
        assertThat(names("cpu", fails)).containsExactly("cpu");
        assertThat(names("cpu-standin:2", fails)).containsExactly("standin:0", "standin:1");
    }

    @Test
    void autoWithoutGpuIsCpu() {
        assertThat(names("auto", NO_GPU)).containsExactly("cpu");
    }

    @Test
    void autoTakesEveryVisibleGpu() {
        assertThat(names("auto", FOUR_GPUS)).containsExactly("gpu:0", "gpu:1", "gpu:2", "gpu:3");
        assertThat(DeviceSetting.resolve("auto", FOUR_GPUS)).allMatch(LogicalDevice::cuda);
    }

    @Test
    void gpuIndexAndList() {
        assertThat(names("gpu:2", FOUR_GPUS)).containsExactly("gpu:2");
        assertThat(names("gpu:1, gpu:0", FOUR_GPUS)).containsExactly("gpu:1", "gpu:0");
    }

    /** The DJL device handed to the engine's managers: built from the index, never parsed from our "gpu:N". */
    @Test
    void everySettingMapsToTheDjlDeviceItNames() {
        assertThat(DeviceSetting.resolve("gpu:3", FOUR_GPUS).get(0).djlDevice()).isEqualTo(Device.gpu(3));
        assertThat(DeviceSetting.resolve("gpu:1, gpu:0", FOUR_GPUS))
                .extracting(LogicalDevice::djlDevice)
                .containsExactly(Device.gpu(1), Device.gpu(0));
        assertThat(DeviceSetting.resolve("auto", FOUR_GPUS))
                .extracting(LogicalDevice::djlDevice)
                .containsExactly(Device.gpu(0), Device.gpu(1), Device.gpu(2), Device.gpu(3));
        assertThat(DeviceSetting.resolve("auto", NO_GPU))
                .extracting(LogicalDevice::djlDevice)
                .containsExactly(Device.cpu());
        assertThat(DeviceSetting.resolve("cpu", NO_GPU).get(0).djlDevice()).isEqualTo(Device.cpu());
        assertThat(DeviceSetting.resolve("gpu:2", FOUR_GPUS).get(0).djlDevice().isGpu())
                .isTrue();
    }

    @Test
    void standInsComputeOnTheCpu() {
        List<LogicalDevice> d = DeviceSetting.resolve("cpu-standin:3", NO_GPU);
        assertThat(d).extracting(LogicalDevice::name).containsExactly("standin:0", "standin:1", "standin:2");
        assertThat(d).extracting(LogicalDevice::djlDevice).containsOnly(Device.cpu());
        assertThat(d).noneMatch(LogicalDevice::cuda);
    }

    @Test
    void gpuBeyondTheCountIsRefused() {
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:4", FOUR_GPUS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device setting 'gpu:4': gpu:4 is beyond the 4 visible CUDA GPU(s) (gpu:0 to gpu:3)");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:0", NO_GPU))
                .hasMessage("device setting 'gpu:0': no CUDA GPU is "
                        + "visible on this machine (use cpu, or auto: every visible GPU, else the cpu)");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:0,gpu:1", NO_GPU))
                .hasMessageContaining("no CUDA GPU is visible");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:0,gpu:7", FOUR_GPUS))
                .hasMessageContaining("gpu:7 is beyond the 4 visible");
    }

    @Test
    void badStringsAreRefusedWithTheSetting() {
        assertThatThrownBy(() -> DeviceSetting.resolve("tpu", FOUR_GPUS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device setting 'tpu': unknown device 'tpu' (accepted: " + DeviceSetting.ACCEPTED
                        + "; a list names GPUs only)");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu", FOUR_GPUS)).hasMessageContaining("unknown device 'gpu'");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:x", FOUR_GPUS))
                .hasMessage(
                        "device setting 'gpu:x': 'x' is not a device index (accepted: " + DeviceSetting.ACCEPTED + ")");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:-1", FOUR_GPUS))
                .hasMessageContaining("'-1' is not a device index");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:0,cpu", FOUR_GPUS))
                .hasMessageContaining("unknown device 'cpu'");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:0,", FOUR_GPUS)).hasMessageContaining("unknown device ''");
        assertThatThrownBy(() -> DeviceSetting.resolve("gpu:1,gpu:1", FOUR_GPUS))
                .hasMessage("device setting 'gpu:1,gpu:1': gpu:1 is named twice");
        assertThatThrownBy(() -> DeviceSetting.resolve("cpu-standin:0", NO_GPU))
                .hasMessageContaining("at least 1 device");
        assertThatThrownBy(() -> DeviceSetting.resolve("cpu-standin:", NO_GPU))
                .hasMessageContaining("is not a device index");
    }
}
