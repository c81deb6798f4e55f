package dev.territory.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.statistics.MetricsJson;
import dev.territory.statistics.NotebookMetrics;
import dev.territory.statistics.PromptReductions;
import dev.territory.statistics.RoleMetrics;
import dev.territory.statistics.SeedMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * statistics.protocol_comparison and statistics.head_extras on the llama3-gqa references' per-prompt entropies,
 * with planted attendable reductions and extras whose counts and correlations are known by construction.
 */
class ProtocolAndHeadExtrasTest {

    /** Planted: (layer 1, head 0) count and entropy differ; (0, 1) count only; (2, 2) entropy only. */
    static List<EntropyRecord> planted(List<EntropyRecord> records) {
        List<EntropyRecord> out = new ArrayList<>();
        for (EntropyRecord r : records) {
            int tokens = 0;
            for (int m : r.attentionMask()) {
                tokens += m;
            }
            double[][] e = r.entropies();
            int[][] countE11 = new int[e.length][e[0].length];
            int[][] countAtt = new int[e.length][e[0].length];
            double[][] att = new double[e.length][];
            double[][] sink = new double[e.length][e[0].length];
            double[][] rows = new double[e.length][e[0].length];
            for (int l = 0; l < e.length; l++) {
                att[l] = e[l].clone();
                for (int h = 0; h < e[l].length; h++) {
                    countE11[l][h] = tokens;
                    countAtt[l][h] = tokens;
                    sink[l][h] = 1 - e[l][h];
                    rows[l][h] = 2 * e[l][h];
                }
            }
            countE11[1][0] = tokens - 3;
            att[1][0] = e[1][0] * Math.log(tokens - 3) / Math.log(tokens);
            countE11[0][1] = tokens - 1;
            att[2][2] = e[2][2] + 1e-3;
            out.add(new EntropyRecord(
                    r.role(),
                    r.seed(),
                    r.promptIndex(),
                    r.inputIds(),
                    r.attentionMask(),
                    e,
                    sink,
                    rows,
                    Map.of(
                            "e11-v3",
                            new PromptReductions.ProtocolValues(e, countE11),
                            "masked",
                            new PromptReductions.ProtocolValues(e, countE11),
                            "attendable",
                            new PromptReductions.ProtocolValues(att, countAtt))));
        }
        return out;
    }

    @Test
    void protocolComparisonCountsThePlantedCasesAndMovesTheMetrics() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        List<EntropyRecord> records = planted(run.entropies());
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, records);
        ObjectNode doc = report.results();
        assertThat(ResultsAssemblerTest.schema().validate(doc)).isEmpty();
        JsonNode pc = doc.at("/statistics/protocol_comparison");
        assertThat(pc.isObject()).as(pc.toString()).isTrue();
        for (String role : List.of("base", "instruct")) {
            JsonNode c = pc.path("cases").path(role);
            assertThat(c.path("cases").asInt()).isEqualTo(10 * 6 * 8);
            assertThat(c.path("normalizer_differs").asInt()).isEqualTo(20);
            assertThat(c.path("differing").asInt()).isEqualTo(10);
            assertThat(c.path("share").asDouble()).isEqualTo(10 / 480.0);
            // (1, 0) moves wherever its entropy is not 0; (2, 2) always
            assertThat(c.path("entropy_differs").asInt()).isBetween(10, 20);
        }
        // under e11-v3 the metrics and verdict are the run's own
        for (String role : List.of("base", "instruct")) {
            RoleMetrics m = role.equals("base") ? run.base() : run.instruct();
            assertThat(pc.at("/metrics/" + role + "/specialization_index/e11-v3")
                            .asDouble())
                    .isCloseTo(m.specialization().specializationIndex(), within(1e-12));
            assertThat(pc.at("/metrics/" + role + "/within_between_ratio/e11-v3")
                            .asDouble())
                    .isCloseTo(m.gqaMetrics().withinBetweenRatio(), within(1e-12));
        }
        assertThat(pc.at("/verdict/e11-v3").asText()).isEqualTo(report.verdict().code());
        // under attendable: the notebook's metric on the planted cube, seed-averaged
        List<SeedMetrics> seeds = new ArrayList<>();
        for (int seed : run.description().methodology().seeds()) {
            TreeMap<Integer, double[][]> cube = new TreeMap<>();
            records.stream()
                    .filter(r -> r.role().equals("instruct") && r.seed() == seed)
                    .forEach(r -> cube.put(
                            r.promptIndex(), r.protocols().get("attendable").entropies()));
            seeds.add(NotebookMetrics.seed(seed, cube.values().toArray(new double[0][][]), 2));
        }
        double want = NotebookMetrics.aggregate(seeds).specialization().meanHeadVariance();
        assertThat(pc.at("/metrics/instruct/mean_head_variance/attendable").asDouble())
                .isCloseTo(want, within(1e-15));
        double move = pc.at("/metrics/delta/specialization_index/move").asDouble();
        assertThat(move)
                .isCloseTo(
                        pc.at("/metrics/delta/specialization_index/attendable").asDouble()
                                - pc.at("/metrics/delta/specialization_index/e11-v3")
                                        .asDouble(),
                        within(1e-15));
        assertThat(pc.at("/metrics/base/specialization_index/move").asDouble()).isNotEqualTo(0.0);

        // the page shows both
        String html = HtmlReport.render(report, Figure.render(report));
        assertThat(html).contains("id=\"protocols\"", "10 of 480", "id=\"protocol-metrics\"", "id=\"lowest-heads\"");
    }

    @Test
    void headExtrasFollowThePlantedSinkAndRowEntropy() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(),
                run.base(),
                run.instruct(),
                ComparisonReference.E11_MISTRAL,
                planted(run.entropies()));
        JsonNode he = report.results().at("/statistics/head_extras");
        assertThat(he.path("seed").asInt()).isEqualTo(42);
        double[][] mean = NotebookMetrics.meanOverPrompts(
                MetricsJson.readCube(run.reference().at("/base/seeds/0/per_prompt_entropies")));
        JsonNode base = he.path("base");
        assertThat(MetricsJson.readMatrix(base.path("entropy"))[3][5]).isCloseTo(mean[3][5], within(1e-12));
        assertThat(MetricsJson.readMatrix(base.path("sink_mass"))[3][5]).isCloseTo(1 - mean[3][5], within(1e-12));
        assertThat(MetricsJson.readMatrix(base.path("row_entropy"))[3][5]).isCloseTo(2 * mean[3][5], within(1e-12));
        assertThat(base.path("correlation_entropy_sink_mass").asDouble()).isCloseTo(-1, within(1e-12));
        assertThat(base.path("correlation_entropy_row_entropy").asDouble()).isCloseTo(1, within(1e-12));
        // lowest-entropy heads: the five smallest prompt means, in order
        List<Double> sorted = new ArrayList<>();
        for (double[] row : mean) {
            for (double v : row) {
                sorted.add(v);
            }
        }
        sorted.sort(null);
        JsonNode low = base.path("lowest_entropy_heads");
        assertThat(low).hasSize(5);
        for (int k = 0; k < 5; k++) {
            JsonNode x = low.get(k);
            assertThat(x.path("entropy").asDouble()).isCloseTo(sorted.get(k), within(1e-12));
            assertThat(mean[x.path("layer").asInt()][x.path("head").asInt()]).isCloseTo(sorted.get(k), within(1e-12));
            assertThat(x.path("sink_mass").asDouble()).isCloseTo(1 - sorted.get(k), within(1e-12));
        }
    }

    @Test
    void withoutExtrasBothBlocksSayWhy() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(), run.base(), run.instruct(), ComparisonReference.E11_MISTRAL, run.entropies());
        assertThat(report.results().at("/statistics/protocol_comparison").asText())
                .startsWith("not computed: ");
        assertThat(report.results().at("/statistics/head_extras").asText()).startsWith("not computed: ");
        assertThat(ResultsAssemblerTest.schema().validate(report.results())).isEmpty();
    }

    @Test
    void schemaRejectsBrokenBlocks() throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        ObjectNode doc = ResultsAssembler.assemble(
                        run.description(),
                        run.base(),
                        run.instruct(),
                        ComparisonReference.E11_MISTRAL,
                        planted(run.entropies()))
                .results();
        ObjectNode share = doc.deepCopy();
        ((ObjectNode) share.at("/statistics/protocol_comparison/cases/base")).put("share", 1.5);
        assertThat(ResultsAssemblerTest.schema().validate(share))
                .as("share above 1")
                .isNotEmpty();
        ObjectNode noVerdict = doc.deepCopy();
        ((ObjectNode) noVerdict.at("/statistics/protocol_comparison/verdict")).remove("attendable");
        assertThat(ResultsAssemblerTest.schema().validate(noVerdict))
                .as("verdict without attendable")
                .isNotEmpty();
        ObjectNode noSink = doc.deepCopy();
        ((ObjectNode) noSink.at("/statistics/head_extras/instruct")).remove("sink_mass");
        assertThat(ResultsAssemblerTest.schema().validate(noSink))
                .as("extras without sink mass")
                .isNotEmpty();
        ObjectNode badText = doc.deepCopy();
        ((ObjectNode) badText.at("/statistics")).put("head_extras", "whatever");
        assertThat(ResultsAssemblerTest.schema().validate(badText))
                .as("a sentence that is no reason")
                .isNotEmpty();
    }

    @Test
    void exportsCarryTheExtras(@TempDir Path tmp) throws Exception {
        Fixtures.FixtureRun run = Fixtures.load("llama3-gqa");
        RunReport report = ResultsAssembler.assemble(
                run.description(),
                run.base(),
                run.instruct(),
                ComparisonReference.E11_MISTRAL,
                planted(run.entropies()));
        RunWriter.write(report, tmp);
        JsonNode first = MetricsJson.MAPPER.readTree(
                Files.readAllLines(tmp.resolve("entropies.jsonl")).get(0));
        double e = first.at("/entropies/1/0").asDouble();
        assertThat(first.at("/sinkMass/1/0").asDouble()).isEqualTo(1 - e);
        assertThat(first.at("/rowEntropy/1/0").asDouble()).isEqualTo(2 * e);
        assertThat(first.at("/protocols/e11-v3/normalizers/1/0").asInt())
                .isEqualTo(first.at("/protocols/attendable/normalizers/1/0").asInt() - 3);
        List<String> csv = Files.readAllLines(tmp.resolve("entropies.csv"));
        String[] row = csv.get(1).split(",");
        assertThat(row).hasSize(8);
        assertThat(Double.parseDouble(row[6])).isEqualTo(1 - Double.parseDouble(row[5]));
        assertThat(Double.parseDouble(row[7])).isEqualTo(2 * Double.parseDouble(row[5]));
    }
}
