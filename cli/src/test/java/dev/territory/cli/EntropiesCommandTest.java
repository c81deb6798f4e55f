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
        int rc = Territory.execute(
                "entropies",
                "--model",
                fixtures().resolve("models/mistral-mha-base").toString(),
                "--out",
                out.toString(),
                "--batch",
                "3",
                "--dtype",
                "float32");
        assertThat(rc).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(10);
        ObjectMapper json = new ObjectMapper();
        JsonNode ref = json.readTree(
                        fixtures().resolve("reference/mistral-mha.float32.json").toFile())
                .get("base");
        double worst = 0;
        for (int p = 0; p < 10; p++) {
            JsonNode got = json.readTree(lines.get(p));
            assertThat(got.get("promptIndex").asInt()).isEqualTo(p);
            assertThat(got.get("inputIds")).isEqualTo(ref.get("tokens").get(p).get("input_ids"));
            assertThat(got.get("attentionMask"))
                    .isEqualTo(ref.get("tokens").get(p).get("attention_mask"));
            JsonNode want = ref.get("seeds").get(0).get("per_prompt_entropies").get(p);
            for (int l = 0; l < want.size(); l++) {
                for (int h = 0; h < want.get(l).size(); h++) {
                    worst = Math.max(
                            worst,
                            Math.abs(got.get("entropies").get(l).get(h).asDouble()
                                    - want.get(l).get(h).asDouble()));
                }
            }
        }
        System.out.printf("territory entropies mistral-mha base: max |diff| %.3e%n", worst);
        assertThat(worst).isLessThan(2e-4);
    }

    @Test
    void writesSinkMassAlwaysAndRowEntropyWhenAskedBesideTheNotebooksFields() throws Exception {
        String model = fixtures().resolve("models/llama3-gqa-base").toString();
        Path plain = tmp.resolve("plain.jsonl");
        Path rows = tmp.resolve("rows.jsonl");
        assertThat(Territory.execute("entropies", "--model", model, "--out", plain.toString()))
                .isZero();
        assertThat(Territory.execute("entropies", "--model", model, "--out", rows.toString(), "--row-entropy"))
                .isZero();
        ObjectMapper json = new ObjectMapper();
        List<String> a = Files.readAllLines(plain);
        List<String> b = Files.readAllLines(rows);
        assertThat(b).hasSize(10);
        for (int p = 0; p < 10; p++) {
            JsonNode x = json.readTree(a.get(p));
            JsonNode y = json.readTree(b.get(p));
            // the fields parity.py reads, unchanged by the extra
            for (String f : List.of("promptIndex", "inputIds", "attentionMask", "entropies", "sinkMass")) {
                assertThat(y.get(f)).as(f).isEqualTo(x.get(f));
            }
            assertThat(x.has("rowEntropy")).isFalse();
            int tokens = 0;
            for (JsonNode m : y.get("attentionMask")) {
                tokens += m.asInt();
            }
            for (int l = 0; l < y.get("sinkMass").size(); l++) {
                for (int h = 0; h < y.get("sinkMass").get(l).size(); h++) {
                    // e11-v3 averages all 128 rows; row 0 (causal) puts its whole weight on the first token
                    assertThat(y.get("sinkMass").get(l).get(h).asDouble()).isBetween(1 / 128.0 - 1e-6, 1.0 + 1e-6);
                    assertThat(y.get("rowEntropy").get(l).get(h).asDouble())
                            .isBetween(0.0, Math.log(tokens) / Math.log(2) + 1e-5);
                }
            }
        }
    }

    @Test
    void badPromptsFileAndProtocolExitWithTwo() throws Exception {
        Path prompts = tmp.resolve("p.json");
        Files.writeString(prompts, "[\"ok\", 3]");
        String model = fixtures().resolve("models/mistral-mha-base").toString();
        assertThat(Territory.execute(
                        "entropies",
                        "--model",
                        model,
                        "--prompts",
                        prompts.toString(),
                        "--out",
                        tmp.resolve("x.jsonl").toString()))
                .isEqualTo(2);
        assertThat(Territory.execute(
                        "entropies",
                        "--model",
                        model,
                        "--protocol",
                        "nope",
                        "--out",
                        tmp.resolve("x.jsonl").toString()))
                .isEqualTo(2);
        assertThat(Territory.execute(
                        "entropies",
                        "--model",
                        tmp.resolve("missing").toString(),
                        "--out",
                        tmp.resolve("x.jsonl").toString()))
                .isEqualTo(2);
        assertThat(EntropiesCommand.readPrompts(null)).hasSize(10);
        Path lines = tmp.resolve("p.txt");
        Files.writeString(lines, "first prompt\r\n\nsecond prompt\n");
        assertThat(EntropiesCommand.readPrompts(lines)).containsExactly("first prompt", "second prompt");
        assertThat(EntropiesCommand.number(Float.NaN)).isEqualTo("\"nan\"");
        assertThat(EntropiesCommand.number(Float.NEGATIVE_INFINITY)).isEqualTo("\"-inf\"");
    }

    @Test
    void badDeviceExitsWithTwoNamingTheOption() throws Exception {
        String model = fixtures().resolve("models/mistral-mha-base").toString();
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int unknown;
        int absentGpu;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            unknown = Territory.execute(
                    "entropies",
                    "--model",
                    model,
                    "--device",
                    "tpu:0",
                    "--out",
                    tmp.resolve("x.jsonl").toString());
            absentGpu = Territory.execute(
                    "entropies",
                    "--model",
                    model,
                    "--device",
                    "gpu:9",
                    "--out",
                    tmp.resolve("x.jsonl").toString());
        } finally {
            System.setErr(saved);
        }
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(unknown).isEqualTo(2);
        assertThat(absentGpu).isEqualTo(2);
        assertThat(text)
                .contains("error: --device: device setting 'tpu:0': unknown device 'tpu:0'")
                .contains("error: --device: device setting 'gpu:9': "); // beyond the visible GPUs, or none visible
        assertThat(Files.exists(tmp.resolve("x.jsonl"))).isFalse();
    }

    /** CI machines have no GPU: there, gpu:0 is refused before any model loads, with one line saying why. */
    @Test
    void gpuWithoutAVisibleGpuIsRefusedSayingSo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a GPU");
        String model = fixtures().resolve("models/mistral-mha-base").toString();
        for (String[] args : List.of(
                new String[] {
                    "entropies",
                    "--model",
                    model,
                    "--device",
                    "gpu:0",
                    "--out",
                    tmp.resolve("x.jsonl").toString()
                },
                new String[] {
                    "analyze",
                    "--base",
                    model,
                    "--instruct",
                    model,
                    "--device",
                    "gpu:0",
                    "--out",
                    tmp.resolve("run").toString()
                })) {
            AnalyzeCommandTest.Result r = AnalyzeCommandTest.run(args);
            assertThat(r.rc()).as(args[0]).isEqualTo(2);
            assertThat(r.err().lines().filter(line -> line.startsWith("error:")).toList())
                    .as(args[0])
                    .containsExactly("error: --device: device setting 'gpu:0': no CUDA GPU is visible on this machine "
                            + "(use cpu, or auto: every visible GPU, else the cpu)");
        }
        assertThat(Files.exists(tmp.resolve("x.jsonl"))).isFalse();
    }
}
