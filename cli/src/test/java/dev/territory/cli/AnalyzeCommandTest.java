package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code territory analyze}: bad input fails before any model is loaded, with one {@code error:} line. */
class AnalyzeCommandTest {

    @TempDir
    Path tmp;

    record Result(int rc, String err) {}

    static Result run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Territory.execute(args);
        } finally {
            System.setErr(saved);
        }
        return new Result(rc, captured.toString(StandardCharsets.UTF_8));
    }

    Path model(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("config.json"), "{}");
        return dir;
    }

    @Test
    void missingModelDirectoryIsNamed() throws Exception {
        Result r = run(
                "analyze",
                "--base",
                tmp.resolve("nope").toString(),
                "--instruct",
                model("i").toString(),
                "--out",
                tmp.resolve("out").toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --base ").contains("nope").contains("no such directory");
    }

    @Test
    void directoryWithoutConfigIsNamed() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Result r = run(
                "analyze",
                "--base",
                model("b").toString(),
                "--instruct",
                empty.toString(),
                "--out",
                tmp.resolve("out").toString());
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().trim())
                .isEqualTo("error: " + empty.resolve("config.json")
                        + ": missing (a Hugging Face model directory needs config.json)");
    }

    @Test
    void badReferenceProtocolAndPromptsAreNamed() throws Exception {
        String b = model("b").toString();
        String i = model("i").toString();
        String out = tmp.resolve("out").toString();
        Result ref = run(
                "analyze",
                "--base",
                b,
                "--instruct",
                i,
                "--out",
                out,
                "--reference",
                tmp.resolve("no-run").toString());
        assertThat(ref.rc()).isEqualTo(2);
        assertThat(ref.err()).startsWith("error: reference ").contains("no-run").contains("no such run directory");

        Result proto = run("analyze", "--base", b, "--instruct", i, "--out", out, "--protocol", "bogus");
        assertThat(proto.rc()).isEqualTo(2);
        assertThat(proto.err())
                .startsWith("error: --protocol: unknown protocol 'bogus'")
                .contains("e11-v3")
                .contains("masked")
                .contains("attendable");

        Result boot = run("analyze", "--base", b, "--instruct", i, "--out", out, "--bootstrap", "-5");
        assertThat(boot.rc()).isEqualTo(2);
        assertThat(boot.err()).startsWith("error: --bootstrap: ");
        Result level = run("analyze", "--base", b, "--instruct", i, "--out", out, "--level", "95");
        assertThat(level.rc()).isEqualTo(2);
        assertThat(level.err()).startsWith("error: --level: ");
        Result perms = run("analyze", "--base", b, "--instruct", i, "--out", out, "--permutations", "0");
        assertThat(perms.rc()).isEqualTo(2);
        assertThat(perms.err()).startsWith("error: --permutations: ");

        Path prompts = tmp.resolve("prompts.json");
        Files.writeString(prompts, "[\"ok\", 3]");
        Result p = run("analyze", "--base", b, "--instruct", i, "--out", out, "--prompts", prompts.toString());
        assertThat(p.rc()).isEqualTo(2);
        assertThat(p.err()).startsWith("error: --prompts ").contains("element 1 is not a string");

        Result seeds = run("analyze", "--base", b, "--instruct", i, "--out", out, "--seeds", "42,42");
        assertThat(seeds.rc()).isEqualTo(2);
        assertThat(seeds.err()).contains("duplicate seed");
        assertThat(Files.exists(tmp.resolve("out/results.json"))).isFalse();
    }

    @Test
    void promptsFileFormats() throws Exception {
        Path lines = tmp.resolve("p.txt");
        Files.writeString(lines, "first prompt\n\nsecond prompt\n");
        assertThat(AnalyzeCommand.readPrompts(lines)).containsExactly("first prompt", "second prompt");
        Path json = tmp.resolve("p.json");
        Files.writeString(json, "[\"a\\nb\", \"c\"]");
        assertThat(AnalyzeCommand.readPrompts(json)).isEqualTo(List.of("a\nb", "c"));
    }
}
