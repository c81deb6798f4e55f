package dev.territory.reporting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Names the hardware a device setting ran on, for {@code runtime.device_name}: the CPU model from
 * /proc/cpuinfo for {@code cpu}, the GPU's name and memory from {@code nvidia-smi} for {@code gpu:N}.
 * What cannot be read is said so rather than guessed.
 */
public final class DeviceName {

    private DeviceName() {}

    /** e.g. "CPU: AMD EPYC 7B13 (16 logical cores)" or "gpu:0: NVIDIA H200, 143771 MiB". */
    public static String of(String device) {
        if (device == null || device.isBlank() || device.startsWith("cpu")) {
            return "CPU: " + cpuModel(Path.of("/proc/cpuinfo")) + " ("
                    + Runtime.getRuntime().availableProcessors() + " logical cores)";
        }
        StringBuilder out = new StringBuilder();
        for (String one : device.split(",")) {
            if (out.length() > 0) {
                out.append("; ");
            }
            out.append(one.trim()).append(": ").append(gpu(one.trim()));
        }
        return out.toString();
    }

    /** The first "model name" of a cpuinfo file; "unknown CPU model" when there is none. */
    static String cpuModel(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown CPU model (" + cpuinfo + " unreadable)";
        }
        return "unknown CPU model (no model name in " + cpuinfo + ")";
    }

    private static String gpu(String device) {
        if (!device.startsWith("gpu:")) {
            return "device " + device;
        }
        String index = device.substring(4);
        try {
            Process p = new ProcessBuilder(
                            "nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader", "-i", index)
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "GPU name unknown (nvidia-smi did not answer)";
            }
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && !text.isEmpty() ? text : "GPU name unknown (nvidia-smi: " + text + ")";
        } catch (IOException e) {
            return "GPU name unknown (nvidia-smi not available)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "GPU name unknown (interrupted)";
        }
    }
}
