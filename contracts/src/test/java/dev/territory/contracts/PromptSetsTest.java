package dev.territory.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptSetsTest {

    @Test
    void standardSetMatchesTheNotebooksChecksum() {
        assertThat(PromptSets.STANDARD_10_V3).hasSize(10);
        assertThat(PromptSets.md5(PromptSets.STANDARD_10_V3)).isEqualTo(PromptSets.STANDARD_10_V3_MD5);
    }

    @Test
    void oneChangedCharacterIsRefusedWithBothChecksums() {
        List<String> changed = new ArrayList<>(PromptSets.STANDARD_10_V3);
        changed.set(8, changed.get(8).replace("haiku", "poem"));
        assertThatThrownBy(() -> PromptSets.verify(changed, PromptSets.STANDARD_10_V3_MD5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected MD5 " + PromptSets.STANDARD_10_V3_MD5)
                .hasMessageContaining("got " + PromptSets.md5(changed));
    }
}
