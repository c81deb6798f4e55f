package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The e11-v3 vs attendable comparison and per-head extras through {@code territory analyze} on the GQA
 * fixture pair: the counts are recounted from the per-prompt data in entropies.jsonl, the attendable metrics
 * equal a separate run with {@code --protocol attendable}, the extras' means equal the per-prompt values.
 */
class AnalyzeProtocolComparisonTest {

    @TempDir
    Path tmp;

    @Test
    void comparisonAndExtrasAgreeWithThePerPromptDataAndASeparateAttendableRun() throws Exception {
        Path models = AnalyzeStatisticsTest.models();
        Path out = tmp.resolve("gqa");
        int rc = Territory.execute(
                "analyze",
                "--base",
                models.resolve("llama3-gqa-base").toString(),
                "--instruct",
                models.resolve("llama3-gqa-instruct").toString(),
                "--out",
                out.toString(),
                "--run-id",
                "protocols-gqa",
                "--seeds",
                "42");
        assertThat(rc).isZero();
        JsonNode doc = AnalyzeStatisticsTest.validResults(out);
        JsonNode pc = doc.at("/statistics/protocol_comparison");
        assertThat(pc.isObject()).as(pc.toString()).isTrue();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("entropies.jsonl"))) {
            lines.add(MetricsJson.MAPPER.readTree(l));
        }

        for (String role : List.of("base", "instruct")) {
            // independent recount: attendable's count is the real tokens of the mask; e11-v3's the engine's non-zero
            // count
            int cases = 0;
            int differing = 0;
            int fewer = 0;
            TreeMap<Integer, double[][]> attendable = new TreeMap<>();
            double[][] sinkSum = null;
            int prompts = 0;
            for (JsonNode line : lines) {
                if (!line.get("role").asText().equals(role)) {
                    continue;
                }
                int tokens = 0;
                for (JsonNode m : line.get("attentionMask")) {
                    tokens += m.asInt();
                }
                double[][] e = MetricsJson.readMatrix(line.at("/protocols/e11-v3/entropies"));
                double[][] a = MetricsJson.readMatrix(line.at("/protocols/attendable/entropies"));
                JsonNode counts = line.at("/protocols/e11-v3/normalizers");
                for (int l = 0; l < e.length; l++) {
                    for (int h = 0; h < e[l].length; h++) {
                        cases++;
                        assertThat(line.at("/protocols/attendable/normalizers/" + l + "/" + h)
                                        .asInt())
                                .isEqualTo(tokens);
                        int count = counts.get(l).get(h).asInt();
                        fewer += count < tokens ? 1 : 0;
                        differing += count != tokens && Math.abs(a[l][h] - e[l][h]) > 1e-6 ? 1 : 0;
                    }
                }
                // the run's protocol is e11-v3: its entropies are the line's own
                assertThat(e).isDeepEqualTo(MetricsJson.readMatrix(line.get("entropies")));
                attendable.put(line.get("promptIndex").asInt(), a);
                double[][] sink = MetricsJson.readMatrix(line.get("sinkMass"));
                sinkSum = sinkSum == null ? sink : add(sinkSum, sink);
                prompts++;
            }
            JsonNode c = pc.at("/cases/" + role);
            System.out.printf(
                    "%s: %d of %d cases differ (%d with fewer non-zero weights than real keys)%n",
                    role, differing, cases, fewer);
            assertThat(c.get("cases").asInt()).isEqualTo(cases).isEqualTo(10 * 6 * 8);
            assertThat(c.get("differing").asInt()).isEqualTo(differing);
            assertThat(c.get("normalizer_differs").asInt()).isEqualTo(fewer);
            // the fixtures README: the notebook's count misses real keys in 21-34% of (prompt, head) cases
            assertThat(c.get("share").asDouble()).isBetween(0.1, 0.5);

            // metrics under each protocol: e11-v3 is the run's; attendable recomputed from the lines
            for (String key : List.of("specialization_index", "mean_head_correlation", "mean_head_variance")) {
                assertThat(pc.at("/metrics/" + role + "/" + key + "/e11-v3").asDouble())
                        .isEqualTo(doc.at("/results/" + role + "/specialization/" + key)
                                .asDouble());
            }
            double si = NotebookMetrics.specialization(
                            NotebookMetrics.meanOverPrompts(attendable.values().toArray(new double[0][][])))
                    .specializationIndex();
            assertThat(pc.at("/metrics/" + role + "/specialization_index/attendable")
                            .asDouble())
                    .isCloseTo(si, within(1e-12));

            // extras: prompt means of the lines
            double[][] sinkMean = MetricsJson.readMatrix(doc.at("/statistics/head_extras/" + role + "/sink_mass"));
            for (int l = 0; l < sinkMean.length; l++) {
                for (int h = 0; h < sinkMean[l].length; h++) {
                    assertThat(sinkMean[l][h]).isCloseTo(sinkSum[l][h] / prompts, within(1e-12));
                }
            }
            for (JsonNode head : doc.at("/statistics/head_extras/" + role + "/lowest_entropy_heads")) {
                System.out.printf(
                        "  lowest-entropy head L%d H%d: entropy %.4f, sink mass %.4f, row entropy %.4f bits%n",
                        head.get("layer").asInt(),
                        head.get("head").asInt(),
                        head.get("entropy").asDouble(),
                        head.get("sink_mass").asDouble(),
                        head.get("row_entropy").asDouble());
                assertThat(head.get("sink_mass").asDouble()).isBetween(0.0, 1.0);
                assertThat(head.get("row_entropy").asDouble()).isBetween(0.0, 7.0); // at most log2(128) bits
            }
        }
        assertThat(pc.at("/verdict/e11-v3").asText())
                .isEqualTo(doc.at("/results/verdict/code").asText());
        pc.at("/metrics/delta")
                .fields()
                .forEachRemaining(e -> System.out.println("  delta " + e.getKey() + ": " + e.getValue()));
        System.out.println("  verdict: " + pc.get("verdict"));

        // a separate run under attendable gives the numbers the comparison reports for it
        Path att = tmp.resolve("attendable");
        rc = Territory.execute(
                "analyze",
                "--base",
                models.resolve("llama3-gqa-base").toString(),
                "--instruct",
                models.resolve("llama3-gqa-instruct").toString(),
                "--out",
                att.toString(),
                "--run-id",
                "protocols-att",
                "--seeds",
                "42",
                "--protocol",
                "attendable",
                "--no-extras",
                "--bootstrap",
                "0");
        assertThat(rc).isZero();
        JsonNode other = AnalyzeStatisticsTest.validResults(att);
        assertThat(other.at("/statistics/protocol_comparison").asText()).startsWith("not computed");
        for (String role : List.of("base", "instruct")) {
            for (String key : List.of("specialization_index", "mean_head_correlation", "mean_head_variance")) {
                assertThat(pc.at("/metrics/" + role + "/" + key + "/attendable").asDouble())
                        .as(role + " " + key)
                        .isEqualTo(other.at("/results/" + role + "/specialization/" + key)
                                .asDouble());
            }
            assertThat(pc.at("/metrics/" + role + "/within_between_ratio/attendable")
                            .asDouble())
                    .isEqualTo(other.at("/results/" + role + "/gqa_metrics/within_between_ratio")
                            .asDouble());
        }
        assertThat(pc.at("/verdict/attendable").asText())
                .isEqualTo(other.at("/results/verdict/code").asText());

        List<String> csv = Files.readAllLines(out.resolve("entropies.csv"));
        assertThat(csv.get(0)).isEqualTo("model,seed,prompt,layer,head,value,sink_mass,row_entropy");
        assertThat(csv.get(1).split(",")).hasSize(8);
        assertThat(Files.readString(out.resolve("report.html"))).contains("id=\"protocols\"", "id=\"lowest-heads\"");
    }

    private static double[][] add(double[][] a, double[][] b) {
        for (int l = 0; l < a.length; l++) {
            for (int h = 0; h < a[l].length; h++) {
                a[l][h] += b[l][h];
            }
        }
        return a;
    }
}
