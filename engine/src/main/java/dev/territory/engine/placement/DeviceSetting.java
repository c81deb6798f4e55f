package dev.territory.engine.placement;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The engine's device setting ({@code --device}, {@code territory.inference.device}) resolved to
 * the devices a model's layers are spread over, in order. No engine needed: the caller passes the
 * number of visible CUDA GPUs, asked for only when the setting needs it.
 *
 * <ul>
 *   <li>{@code cpu}: the CPU (the default everywhere).
 *   <li>{@code gpu:N}: CUDA GPU N.
 *   <li>{@code gpu:0,gpu:1,...}: these GPUs, layers spread over them in this order.
 *   <li>{@code auto}: every visible CUDA GPU, or the CPU when there is none.
 *   <li>{@code cpu-standin:N}: N logical devices that all compute on the CPU, each with its own
 *       weights manager, so that layer placement and the multi-device forward pass run without a
 *       GPU (tests; give them capacities with {@code EngineOptions.deviceCapacities}).
 * </ul>
 */
public final class DeviceSetting {

    /** What the error messages list as accepted. */
    public static final String ACCEPTED = "cpu, gpu:N, a list gpu:0,gpu:1,..., auto, cpu-standin:N";

    private DeviceSetting() {}

    /**
     * One device a part of the model is placed on.
     *
     * @param name as plans and messages show it: {@code cpu}, {@code gpu:1}, {@code standin:2}
     * @param gpuIndex the CUDA GPU it computes on, or -1 for the CPU
     */
    public record LogicalDevice(String name, int gpuIndex) {

        static LogicalDevice cpu(String name) {
            return new LogicalDevice(name, -1);
        }

        static LogicalDevice gpu(int index) {
            return new LogicalDevice("gpu:" + index, index);
        }

        public boolean cuda() {
            return gpuIndex >= 0;
        }

        /**
         * The DJL device it computes on. Built, not parsed: DJL's {@code Device.fromName} reads
         * {@code gpu0} or {@code 0} but throws on our own spelling {@code gpu:0}.
         */
        public Device djlDevice() {
            return cuda() ? Device.gpu(gpuIndex) : Device.cpu();
        }
    }

    /**
     * @param setting the device setting (null or blank: cpu)
     * @param gpuCount visible CUDA GPUs (asked only for {@code auto} and {@code gpu:N})
     * @return the devices, at least one, in placement order
     * @throws IllegalArgumentException naming the setting for an unknown device or a GPU index
     *     beyond the visible count
     */
    public static List<LogicalDevice> resolve(String setting, IntSupplier gpuCount) {
        String s = setting == null ? "" : setting.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("cpu")) {
            return List.of(LogicalDevice.cpu("cpu"));
        }
        if (s.equals("auto")) {
            int n = gpuCount.getAsInt();
            if (n <= 0) {
                return List.of(LogicalDevice.cpu("cpu"));
            }
            List<LogicalDevice> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(LogicalDevice.gpu(i));
            }
            return List.copyOf(out);
        }
        if (s.startsWith("cpu-standin:")) {
            int n = number(setting, s.substring("cpu-standin:".length()));
            if (n < 1) {
                throw new IllegalArgumentException(
                        "device setting '" + setting + "': cpu-standin needs at least 1 device");
            }
            List<LogicalDevice> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(LogicalDevice.cpu("standin:" + i));
            }
            return List.copyOf(out);
        }
        Set<Integer> indexes = new LinkedHashSet<>();
        for (String part : s.split(",", -1)) {
            String p = part.trim();
            if (!p.startsWith("gpu:")) {
                throw new IllegalArgumentException("device setting '" + setting + "': unknown device '" + part.trim()
                        + "' (accepted: " + ACCEPTED + "; a list names GPUs only)");
            }
            int index = number(setting, p.substring(4));
            if (!indexes.add(index)) {
                throw new IllegalArgumentException(
                        "device setting '" + setting + "': gpu:" + index + " is named twice");
            }
        }
        int visible = gpuCount.getAsInt();
        if (visible == 0) {
            throw new IllegalArgumentException(
                    "device setting '" + setting + "': no CUDA GPU is visible on this machine"
                            + " (use cpu, or auto: every visible GPU, else the cpu)");
        }
        List<LogicalDevice> out = new ArrayList<>();
        for (int index : indexes) {
            if (index >= visible) {
                throw new IllegalArgumentException("device setting '" + setting + "': gpu:" + index + " is beyond the "
                        + visible + " visible CUDA GPU(s) (gpu:0 to gpu:" + (visible - 1) + ")");
            }
            out.add(LogicalDevice.gpu(index));
        }
        return List.copyOf(out);
    }

    private static int number(String setting, String digits) {
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 4) {
            throw new IllegalArgumentException("device setting '" + setting + "': '" + digits
                    + "' is not a device index (accepted: " + ACCEPTED + ")");
        }
        return Integer.parseInt(digits);
    }
}
