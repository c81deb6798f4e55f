package dev.territory.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelReferenceTest {

    @Test
    void hubIdWithoutRevisionMeansMain() {
        assertThat(ModelReference.parse("meta-llama/Llama-3.1-8B"))
                .isEqualTo(new ModelReference.Hub("meta-llama/Llama-3.1-8B", "main"));
    }

    @Test
    void hubIdWithBranchTagOrCommit() {
        String commit = "0e9e39f249a16976918f6564b8830bc894c89659";
        ModelReference.Hub pinned = (ModelReference.Hub) ModelReference.parse("meta-llama/Llama-3.1-8B@" + commit);
        assertThat(pinned.revision()).isEqualTo(commit);
        assertThat(pinned.pinnedToCommit()).isTrue();
        ModelReference.Hub branch = (ModelReference.Hub) ModelReference.parse("org/name@refs/pr/1");
        assertThat(branch.revision()).isEqualTo("refs/pr/1");
        assertThat(branch.pinnedToCommit()).isFalse();
        assertThat(((ModelReference.Hub) ModelReference.parse("org/name@v1.0")).revision())
                .isEqualTo("v1.0");
        // a short or upper-case hash is a ref name to the Hub, not a pinned commit
        assertThat(((ModelReference.Hub) ModelReference.parse("org/name@0e9e39f")).pinnedToCommit())
                .isFalse();
    }

    @Test
    void pathsAreLocal(@TempDir Path dir) throws Exception {
        assertThat(ModelReference.parse("/no/such/dir")).isEqualTo(new ModelReference.Local(Path.of("/no/such/dir")));
        assertThat(ModelReference.parse("./models/x")).isInstanceOf(ModelReference.Local.class);
        assertThat(ModelReference.parse("../x/y")).isInstanceOf(ModelReference.Local.class);
        // an existing relative directory that looks like org/name is a directory
        Path org = Files.createDirectories(Path.of("target/test-ref/org/name"));
        assertThat(ModelReference.parse("target/test-ref/org/name"))
                .isEqualTo(new ModelReference.Local(org.toAbsolutePath().normalize()));
        Path file = Files.writeString(dir.resolve("config.json"), "{}");
        assertThatThrownBy(() -> ModelReference.parse(file.toString()))
                .hasMessageContaining("is a file, not a model directory");
    }

    @Test
    void malformedIdsSayWhatIsWrong() {
        assertThatThrownBy(() -> ModelReference.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ModelReference.parse("llama"))
                .hasMessageContaining("not a Hub id of the form org/name");
        assertThatThrownBy(() -> ModelReference.parse("a/b/c"))
                .hasMessageContaining("not a Hub id of the form org/name");
        assertThatThrownBy(() -> ModelReference.parse("org/na me")).hasMessageContaining("'na me'");
        assertThatThrownBy(() -> ModelReference.parse("org/-name")).hasMessageContaining("starts or ends");
        assertThatThrownBy(() -> ModelReference.parse("org/a--b")).hasMessageContaining("'--'");
        assertThatThrownBy(() -> ModelReference.parse("org/name@")).hasMessageContaining("empty revision");
        assertThatThrownBy(() -> ModelReference.parse("org/name@a..b")).hasMessageContaining("not a valid branch");
        assertThatThrownBy(() -> ModelReference.parse("org/name@x@y")).hasMessageContaining("revision 'x@y'");
        assertThatThrownBy(() -> ModelReference.parse("org/" + "n".repeat(97))).hasMessageContaining("1 to 96");
    }
}
