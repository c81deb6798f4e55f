package dev.territory.engine.entropy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sink mass is read at the first real token: where padding puts it. */
class FirstRealTokenTest {

    @Test
    void firstRealPositionUnderEitherPaddingSide() {
        assertThat(AttentionReduction.firstReal(new int[] {1, 1, 1, 0, 0})).isEqualTo(0); // right padding
        assertThat(AttentionReduction.firstReal(new int[] {0, 0, 1, 1, 1})).isEqualTo(2); // left padding
        assertThat(AttentionReduction.firstReal(new int[] {0, 0, 0})).isEqualTo(0);
    }
}
