package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelRef;
import dev.territory.contracts.RunRequested;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code territory submit --base/--instruct}: Hub ids go into the request as hubId + revision, directories as paths. */
class SubmitHubRequestTest {

    static Path models() {
        Path p = Path.of("../testdata/fixtures/models").toAbsolutePath().normalize();
        return Files.isDirectory(p) ? p : Path.of("testdata/fixtures/models").toAbsolutePath();
    }

    @Test
    void hubIdsBecomeHubIdAndRevisionAndDirectoriesStayPaths() throws Exception {
        assertThat(SubmitCommand.modelRef("meta-llama/Llama-3.1-8B@v1.0", "--base"))
                .isEqualTo(new ModelRef(null, "meta-llama/Llama-3.1-8B", "v1.0"));
        assertThat(SubmitCommand.modelRef("meta-llama/Llama-3.1-8B-Instruct", "--instruct"))
                .isEqualTo(new ModelRef(null, "meta-llama/Llama-3.1-8B-Instruct", "main"));
        Path dir = models().resolve("llama3-gqa-instruct");
        assertThat(SubmitCommand.modelRef(dir.toString(), "--instruct")).isEqualTo(ModelRef.local(dir.toString()));

        RunRequested r = SubmitCommand.request(
                SubmitCommand.modelRef("meta-llama/Llama-3.1-8B@main", "--base"),
                SubmitCommand.modelRef("meta-llama/Llama-3.1-8B-Instruct@main", "--instruct"),
                null,
                List.of(42),
                null,
                null,
                null,
                null);
        assertThat(r.dtype()).as("the notebook's dtype by default").isEqualTo("bfloat16");
        assertThat(r.runId()).startsWith("Llama-3.1-8B-");
        String json = new String(EventCodec.encode(r), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("\"base\":{\"hubId\":\"meta-llama/Llama-3.1-8B\",\"revision\":\"main\"}");
        assertThat(EventCodec.decode(EventCodec.encode(r), RunRequested.class).base())
                .isEqualTo(r.base());

        assertThatThrownBy(() -> SubmitCommand.modelRef("./no-such-dir", "--base"))
                .hasMessage("--base " + Path.of("no-such-dir").toAbsolutePath().normalize() + ": no such directory");
        assertThatThrownBy(() -> SubmitCommand.modelRef("org/-bad@main", "--base"))
                .hasMessageStartingWith("--base: model reference 'org/-bad@main': '-bad' in Hub id 'org/-bad'");
        assertThatThrownBy(() -> SubmitCommand.modelRef("not-a-dir-nor-an-id", "--instruct"))
                .hasMessageContaining("--instruct: model reference 'not-a-dir-nor-an-id': not an existing directory");
    }
}
