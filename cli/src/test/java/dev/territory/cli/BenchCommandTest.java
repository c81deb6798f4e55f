package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code territory bench} on a fixture model: its last stdout line is the JSON object benchmark scripts read. */
class BenchCommandTest {

    @Test
    void lastLineIsOneJsonObjectWithTheTimingsAndMemory() throws Exception {
        JsonNode padded = bench("--max-length", "128");
        assertThat(padded.get("max_length").asInt()).isEqualTo(128);
        assertThat(padded.get("dtype").asText())
                .as("both passes in the default dtype")
                .isEqualTo("bfloat16");
        assertThat(padded.get("prompts").asInt()).isEqualTo(3);
        assertThat(padded.get("entropy_pass_s").asDouble()).isPositive();
        assertThat(padded.get("forward_only_s").asDouble()).isPositive();
        assertThat(padded.get("ratio").asDouble())
                .isCloseTo(
                        padded.get("entropy_pass_s").asDouble()
                                / padded.get("forward_only_s").asDouble(),
                        org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(padded.get("peak_rss_mb").asDouble()).isPositive();
        // Standard-10's first prompts are far shorter than 128 tokens: padded as the notebook pads them
        assertThat(padded.get("real_tokens_mean").asDouble()).isBetween(5.0, 100.0);

        JsonNode filled = bench("--max-length", "96", "--fill", "--dtype", "float32");
        assertThat(filled.get("dtype").asText()).isEqualTo("float32");
        assertThat(filled.get("real_tokens_mean").asDouble()).isEqualTo(96.0);
    }

    private static JsonNode bench(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(
                "bench",
                "--model",
                EntropiesCommandTest.fixtures()
                        .resolve("models/llama3-gqa-base")
                        .toString(),
                "--num-prompts",
                "3",
                "--batch",
                "3",
                "--repeat",
                "1"));
        args.addAll(List.of(extra));
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            rc = Territory.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        assertThat(rc).isZero();
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
}
