package dev.territory.engine.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sink mass is read at the first real token: where padding puts it. */
class FirstRealTokenTest {

    @Test
    void firstRealPositionUnderEitherPaddingSide() {
        assertThat(DecoderModel.firstReal(new int[] {1, 1, 1, 0, 0})).isEqualTo(0); // right padding
        assertThat(DecoderModel.firstReal(new int[] {0, 0, 1, 1, 1})).isEqualTo(2); // left padding
        assertThat(DecoderModel.firstReal(new int[] {0, 0, 0})).isEqualTo(0);
    }
}
