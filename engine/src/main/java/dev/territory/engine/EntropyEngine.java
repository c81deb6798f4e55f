package dev.territory.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.util.cuda.CudaUtils;
import dev.territory.engine.decoder.DecoderModel;
import dev.territory.engine.placement.DeviceSetting;
import dev.territory.engine.placement.DeviceSetting.LogicalDevice;
import dev.territory.engine.placement.LayerPlanner;
import dev.territory.engine.placement.LayerPlanner.DeviceCapacity;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: one per process. Owns one DJL {@link NDManager} per device of the device setting
 * (the first device's is the base manager, the others are its children); models loaded through it
 * live under them and are freed by {@link LoadedModel#close()} or when the engine closes. A model
 * is spread layer by layer over the devices ({@link LayerPlanner}) when one does not hold it.
 */
public final class EntropyEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EntropyEngine.class);

    /**
     * Kept free on each CUDA device besides the attention budget: the residual stream, q/k/v, the
     * MLP activations and the CUDA context. A margin, not a measurement.
     */
    public static final long ACTIVATION_MARGIN = 1L << 30;

    private final EngineOptions options;
    private final List<LogicalDevice> devices;
    private final List<NDManager> managers; // one per device; [0] is the base manager

    private EntropyEngine(EngineOptions options) {
        this.options = options;
        Engine engine = Engine.getEngine("PyTorch");
        this.devices = DeviceSetting.resolve(options.device(), engine::getGpuCount);
        if (options.device().trim().equalsIgnoreCase("auto")) {
            if (devices.get(0).cuda()) {
                LOG.info(
                        "device setting auto: {}",
                        devices.stream().map(LogicalDevice::name).toList());
            } else {
                LOG.warn("device setting auto: no CUDA GPU visible, running on the cpu");
            }
        }
        MatmulPrecision.check(options.computeDtype(), devices.stream().anyMatch(LogicalDevice::cuda), System.getenv());
        if (!options.deviceCapacities().isEmpty() && options.deviceCapacities().size() != devices.size()) {
            throw new IllegalArgumentException("device setting '" + options.device() + "' names " + devices.size()
                    + " device(s) but " + options.deviceCapacities().size() + " capacities were given");
        }
        NDManager base = engine.newBaseManager(devices.get(0).djlDevice());
        List<NDManager> all = new ArrayList<>();
        all.add(base);
        for (LogicalDevice d : devices.subList(1, devices.size())) {
            all.add(base.newSubManager(d.djlDevice())); // closed with the base
        }
        this.managers = List.copyOf(all);
    }

    /**
     * @throws IllegalArgumentException for a device setting naming an unknown device or an absent GPU,
     *     and for float32 on CUDA in a process that forces TF32 on ({@link MatmulPrecision})
     */
    public static EntropyEngine create(EngineOptions options) {
        return new EntropyEngine(options == null ? EngineOptions.defaults() : options);
    }

    public EngineOptions options() {
        return options;
    }

    /** The devices of the setting, resolved ({@code auto} without a GPU: cpu). */
    public List<LogicalDevice> devices() {
        return devices;
    }

    /** Reads and validates config.json, the safetensors files and the tokenizer of {@code modelDir}. */
    public LoadedModel load(Path modelDir) throws ModelException {
        LoadedModel model = DecoderModel.load(modelDir, managers, capacities(), options, this::cudaFreeBytes);
        if (devices.size() > 1) {
            LOG.info("{}: {}", modelDir, model.placement());
        } else {
            LOG.debug("{}: {}", modelDir, model.placement());
        }
        return model;
    }

    /**
     * Weight bytes each device can take now: the given capacities, else on CUDA the free memory
     * minus the attention budget and {@link #ACTIVATION_MARGIN}, else (CPU) unlimited.
     */
    List<DeviceCapacity> capacities() {
        List<DeviceCapacity> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            LogicalDevice d = devices.get(i);
            long capacity;
            if (!options.deviceCapacities().isEmpty()) {
                capacity = options.deviceCapacities().get(i);
            } else if (d.cuda()) {
                MemoryUsage mem = CudaUtils.getGpuMemory(managers.get(i).getDevice()); // committed = used, max = total
                long free = mem.getMax() - mem.getCommitted();
                capacity = Math.max(0, free - options.memoryBudgetBytes() - ACTIVATION_MARGIN);
            } else {
                capacity = LayerPlanner.UNLIMITED;
            }
            out.add(new DeviceCapacity(d.name(), capacity));
        }
        return out;
    }

    /** Bytes free now on the tightest CUDA device of the setting, or -1 when there is none (the CPU, stand-ins). */
    long cudaFreeBytes() {
        long min = -1;
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i).cuda()) {
                MemoryUsage mem = CudaUtils.getGpuMemory(managers.get(i).getDevice()); // committed = used, max = total
                long free = mem.getMax() - mem.getCommitted();
                min = min < 0 ? free : Math.min(min, free);
            }
        }
        return min;
    }

    /** False once {@link #close()} ran: nothing can be loaded or computed with it any more. */
    public boolean isOpen() {
        return managers.get(0).isOpen();
    }

    @Override
    public void close() {
        managers.get(0).close();
    }
}
