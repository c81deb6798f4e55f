package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** territory entropies end to end on a fixture model, and its bad-input exits. */
class EntropiesCommandTest {

    @TempDir
    Path tmp;

    static Path fixtures() {
        String root = System.getProperty("territory.repo.root");
        Path start = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata/fixtures"))) {
                return p.resolve("testdata/fixtures");
            }
        }
        throw new IllegalStateException("testdata/fixtures not found");
    }

    @Test
    void writesOneLinePerPromptMatchingTheReference() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        int rc = Territory.execute("entropies", "--model", fixtures().resolve("models/mistral-mha-base").toString(),
                "--out", out.toString(), "--batch", "3");
        assertThat(rc).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(10);
        ObjectMapper json = new ObjectMapper();
        JsonNode ref = json.readTree(fixtures().resolve("reference/mistral-mha.float32.json").toFile()).get("base");
        double worst = 0;
        for (int p = 0; p < 10; p++) {
            JsonNode got = json.readTree(lines.get(p));
            assertThat(got.get("promptIndex").asInt()).isEqualTo(p);
            assertThat(got.get("inputIds")).isEqualTo(ref.get("tokens").get(p).get("input_ids"));
            assertThat(got.get("attentionMask")).isEqualTo(ref.get("tokens").get(p).get("attention_mask"));
            JsonNode want = ref.get("seeds").get(0).get("per_prompt_entropies").get(p);
            for (int l = 0; l < want.size(); l++) {
                for (int h = 0; h < want.get(l).size(); h++) {
                    worst = Math.max(worst, Math.abs(got.get("entropies").get(l).get(h).asDouble() - want.get(l).get(h).asDouble()));
                }
            }
        }
        System.out.printf("territory entropies mistral-mha base: max |diff| %.3e%n", worst);
        assertThat(worst).isLessThan(2e-4);
    }

    @Test
    void badPromptsFileAndProtocolExitWithTwo() throws Exception {
        Path prompts = tmp.resolve("p.json");
        Files.writeString(prompts, "[\"ok\", 3]");
        String model = fixtures().resolve("models/mistral-mha-base").toString();
        assertThat(Territory.execute("entropies", "--model", model, "--prompts", prompts.toString(), "--out",
                tmp.resolve("x.jsonl").toString())).isEqualTo(2);
        assertThat(Territory.execute("entropies", "--model", model, "--protocol", "nope", "--out",
                tmp.resolve("x.jsonl").toString())).isEqualTo(2);
        assertThat(Territory.execute("entropies", "--model", tmp.resolve("missing").toString(), "--out",
                tmp.resolve("x.jsonl").toString())).isEqualTo(2);
        assertThat(EntropiesCommand.readPrompts(null)).hasSize(10);
        Path lines = tmp.resolve("p.txt");
        Files.writeString(lines, "first prompt\r\n\nsecond prompt\n");
        assertThat(EntropiesCommand.readPrompts(lines)).containsExactly("first prompt", "second prompt");
        assertThat(EntropiesCommand.number(Float.NaN)).isEqualTo("\"nan\"");
        assertThat(EntropiesCommand.number(Float.NEGATIVE_INFINITY)).isEqualTo("\"-inf\"");
    }
}
