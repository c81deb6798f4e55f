package dev.territory.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** TF32 stays off for float32 on CUDA; the environment that would turn it on is refused there. */
class MatmulPrecisionTest {

    private static final Map<String, String> TF32_ON = Map.of(MatmulPrecision.TF32_OVERRIDE, "1");

    @Test
    void float32OnCudaIsRefusedInATf32Process() {
        assertThatThrownBy(() -> MatmulPrecision.check(ComputeDtype.FLOAT32, true, TF32_ON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "float32 on CUDA needs TF32 off, but TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 in this process's "
                                + "environment runs every float32 product as TF32 (unset it, or use it only for the bfloat16 emulation)");
    }

    @Test
    void everythingElseRuns() {
        MatmulPrecision.check(ComputeDtype.FLOAT32, true, Map.of());
        MatmulPrecision.check(ComputeDtype.FLOAT32, true, Map.of(MatmulPrecision.TF32_OVERRIDE, "0"));
        MatmulPrecision.check(ComputeDtype.FLOAT32, false, TF32_ON); // the CPU has no TF32
        MatmulPrecision.check(ComputeDtype.FLOAT16, true, TF32_ON); // no float32 products to protect
        assertThat(MatmulPrecision.tf32(TF32_ON)).isTrue();
        assertThat(MatmulPrecision.tf32(Map.of(MatmulPrecision.TF32_OVERRIDE, " ")))
                .isFalse();
        assertThat(MatmulPrecision.needsExactFloat32(ComputeDtype.FLOAT32)).isTrue();
        assertThat(MatmulPrecision.needsExactFloat32(ComputeDtype.FLOAT16)).isFalse();
    }
}
