package dev.territory.engine;

import java.util.Map;

/**
 * Whether float32 matrix products on CUDA may run as TF32 on the tensor cores.
 *
 * <p>Float32 mode keeps TF32 off, as transformers does (torch's default): its products must be
 * float32's, or the entropies drift from the float32 references. The bfloat16 emulation may have it
 * on: a TF32 product of bf16-rounded inputs is exact (TF32 keeps 10 mantissa bits, bf16 7) and
 * accumulates in float32 as a bf16 GEMM does, at tensor-core speed.
 *
 * <p>The switch is the process environment: DJL 0.36 has no call for torch's {@code allow_tf32}
 * (its JNI sets only cuDNN's benchmark mode), and libtorch reads {@value #TF32_OVERRIDE} when it
 * loads, not later (measured on an H200 with torch 2.11: setting it after loading left an 8192^3
 * float32 product at 21.5 ms, TF32 off; {@code allow_tf32 = True} took 3.9 ms). So TF32 belongs to
 * a process: a bf16-only process is started with {@code TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1} (under
 * DJL with torch 2.11 on an H200 that took the bf16 forward of an 8 B model at T = 128 from 0.570 s
 * to 0.182 s), and a float32 engine refuses to start on CUDA in such a process.
 */
public final class MatmulPrecision {

    /** libtorch's switch: {@code 1} in the environment of a process turns TF32 on for all its float32 products on CUDA. */
    public static final String TF32_OVERRIDE = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE";

    private MatmulPrecision() {}

    /** Whether a process with this environment runs float32 products on CUDA as TF32. */
    public static boolean tf32(Map<String, String> environment) {
        String value = environment.get(TF32_OVERRIDE);
        return value != null && !value.isBlank() && !value.trim().equals("0");
    }

    /** Whether {@code dtype} needs exact float32 products: float32 does; the reduced-precision modes do not. */
    public static boolean needsExactFloat32(ComputeDtype dtype) {
        return dtype == ComputeDtype.FLOAT32;
    }

    /**
     * @param cuda whether the engine computes on a CUDA GPU (TF32 is a CUDA mode: the CPU ignores it)
     * @throws IllegalArgumentException for float32 on CUDA in a process with TF32 on, naming the variable
     */
    public static void check(ComputeDtype dtype, boolean cuda, Map<String, String> environment) {
        if (cuda && needsExactFloat32(dtype) && tf32(environment)) {
            throw new IllegalArgumentException(dtype.id() + " on CUDA needs TF32 off, but " + TF32_OVERRIDE + "="
                    + environment.get(TF32_OVERRIDE)
                    + " in this process's environment runs every float32 product as TF32 "
                    + "(unset it, or use it only for the bfloat16 emulation)");
        }
    }
}
