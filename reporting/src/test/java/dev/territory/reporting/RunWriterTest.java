package dev.territory.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.statistics.MetricsJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunWriterTest {

    @Test
    void writesEveryFileOfARun(@TempDir Path tmp) throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, run.entropies());
        RunWriter.RunFiles files = RunWriter.write(report, tmp);

        for (String name : List.of(
                "results.json",
                "figure.png",
                "figure.svg",
                "report.html",
                "entropies.jsonl",
                "entropies.csv",
                "metrics.csv",
                "artifact_log.jsonl")) {
            assertThat(tmp.resolve(name)).as(name).isNotEmptyFile();
        }
        // 2 models x 3 seeds x 10 prompts x 6 layers x 8 heads, one row each, plus the header.
        List<String> csv = Files.readAllLines(tmp.resolve("entropies.csv"));
        assertThat(csv.get(0)).isEqualTo("model,seed,prompt,layer,head,value,sink_mass,row_entropy");
        assertThat(csv).hasSize(2 * 3 * 10 * 6 * 8 + 1);
        String[] row = csv.get(1).split(",");
        double want =
                run.reference().at("/base/seeds/0/per_prompt_entropies/0/0/0").asDouble();
        assertThat(row).startsWith("base", "42", "0", "0", "0");
        assertThat(Double.parseDouble(row[5])).isEqualTo(want);

        List<String> jsonl = Files.readAllLines(tmp.resolve("entropies.jsonl"));
        assertThat(jsonl).hasSize(2 * 3 * 10);
        JsonNode first = MetricsJson.MAPPER.readTree(jsonl.get(0));
        assertThat(first.get("inputIds")).isEqualTo(run.reference().at("/base/tokens/0/input_ids"));

        List<String> metrics = Files.readAllLines(tmp.resolve("metrics.csv"));
        assertThat(metrics.get(0)).isEqualTo("model,seed,metric,layer,head,group,value");
        String si = metrics.stream()
                .filter(l -> l.startsWith("instruct,mean,specialization_index,"))
                .findFirst()
                .orElseThrow();
        assertThat(Double.parseDouble(si.substring(si.lastIndexOf(',') + 1)))
                .isEqualTo(run.instruct().specialization().specializationIndex());

        // The artifact log is appended to, one line per write.
        RunWriter.write(report, tmp);
        List<String> log = Files.readAllLines(tmp.resolve("artifact_log.jsonl"));
        assertThat(log).hasSize(2);
        JsonNode entry = MetricsJson.MAPPER.readTree(log.get(0));
        assertThat(entry.get("experiment").asText()).isEqualTo("E11-T");
        assertThat(entry.get("verdict").asText()).isEqualTo("A_CONFIRMED");
        assertThat(entry.get("mha_verdict").asText()).isEqualTo("C_REFUTED");
        assertThat(entry.get("architecture_invariant").asBoolean()).isFalse();
        assertThat(entry.get("prompt_count").asInt()).isEqualTo(10);
        assertThat(entry.get("verdict_line").asText())
                .isEqualTo("A_CONFIRMED (not significant: 0 of 2 independent criteria exclude 0 at 95%)");
        assertThat(entry.get("evidence").asText()).isEqualTo("not significant");
        assertThat(entry.get("architecture_label").asText()).isEqualTo("not applicable: both GQA");
        // a cumulative log elsewhere (analyze --artifact-log) gets the same line
        Path cumulative = tmp.resolve("results/E11T_artifact_log.jsonl");
        RunWriter.appendArtifactEntry(report, List.of("results.json"), cumulative);
        RunWriter.appendArtifactEntry(report, List.of("results.json"), cumulative);
        assertThat(Files.readAllLines(cumulative))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("\"verdict_line\":\"A_CONFIRMED (not significant"));

        List<String> zipped = new ArrayList<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(files.zip()))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                zipped.add(e.getName());
            }
        }
        assertThat(zipped)
                .containsExactlyInAnyOrder(
                        "results.json",
                        "figure.png",
                        "figure.svg",
                        "report.html",
                        "entropies.jsonl",
                        "entropies.csv",
                        "metrics.csv",
                        "artifact_log.jsonl");

        String html = Files.readString(tmp.resolve("report.html"));
        assertThat(html).doesNotContain("http://", "https://", "<script src", "<link ");
        assertThat(html.indexOf("id=\"verdict\"")).isLessThan(html.indexOf("id=\"metrics\""));
        assertThat(html.indexOf("id=\"metrics\"")).isLessThan(html.indexOf("id=\"comparison\""));
        assertThat(html)
                .contains("data:image/png;base64,")
                .contains("A_CONFIRMED")
                .contains("in fact GQA")
                .contains("sha256 " + "ab".repeat(32));
        // The verdict's uncertainty in the verdict box, intervals and p-values in the metric table,
        // the within-layer redundancy beside the cross-layer correlation.
        var u = report.uncertainty();
        assertThat(u).isNotNull();
        int box = html.indexOf("id=\"verdict-uncertainty\"");
        assertThat(box).isGreaterThan(html.indexOf("id=\"verdict\"")).isLessThan(html.indexOf("id=\"metrics\""));
        assertThat(html.substring(box))
                .startsWith("id=\"verdict-uncertainty\" class=\"uncertainty\"><b>" + u.significantCount()
                        + " of 2 independent criteria exclude 0 at 95%</b>");
        // the verdict line carries its evidence in the headline, the page title, the figure and the artifact log
        String line = report.evidence().line();
        assertThat(line).isEqualTo("A_CONFIRMED (not significant: 0 of 2 independent criteria exclude 0 at 95%)");
        assertThat(html)
                .contains("<div class=\"code\">" + HtmlReport.esc(line) + "</div>")
                .contains("<title>"
                        + HtmlReport.esc("E11-T " + report.description().runId() + ": " + line));
        assertThat(html.substring(html.indexOf("id=\"headline\"")))
                .startsWith("id=\"headline\">")
                .contains("inconclusive")
                .doesNotContain("territorial collapse:");
        assertThat(Files.readString(tmp.resolve("figure.svg")))
                .contains(HtmlReport.esc(line).replace("&#39;", "'"));
        String siRow = html.substring(html.indexOf("<tr data-metric=\"specialization_index\">"));
        siRow = siRow.substring(0, siRow.indexOf("</tr>"));
        var delta = u.delta().get("specialization_index");
        assertThat(siRow)
                .contains(String.format(java.util.Locale.ROOT, "[%+.4f, %+.4f]", delta.low(), delta.high()))
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "<td class=\"p\">%.3g</td>",
                        u.pValues().get("specialization_index")));
        int correlationRow = html.indexOf("<tr data-metric=\"mean_head_correlation\">");
        int redundancyRow = html.indexOf("<tr data-metric=\"within_layer_redundancy\">");
        assertThat(redundancyRow).isGreaterThan(correlationRow);
        assertThat(html.indexOf("<tr data-metric=", correlationRow + 1)).isEqualTo(redundancyRow);
        assertThat(html)
                .contains("id=\"redundancy\"")
                .contains(String.format(
                        java.util.Locale.ROOT, "%.4f", u.baseRedundancy().overall()));
        assertThat(html.split("<tr class=\"layer\">", -1)).hasSize(6 + 1);
    }
}
