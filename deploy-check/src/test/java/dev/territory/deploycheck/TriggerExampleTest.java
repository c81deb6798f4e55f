package dev.territory.deploycheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.EventCodec;
import dev.territory.contracts.RunRequested;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console-producer examples in README and docs/deploy.md are requests the services accept. */
class TriggerExampleTest {
    private static final Pattern KEYED = Pattern.compile("([A-Za-z0-9._-]+)\\|(\\{\"type\":\"RunRequested\",.*?})'");

    static List<String[]> examples(String file) {
        List<String[]> out = new ArrayList<>();
        Matcher m = KEYED.matcher(Repo.read(file));
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2)});
        }
        return out;
    }

    @Test
    void readmeAndDeployDocExamplesDecodeAsRunRequested() {
        for (String file : List.of("README.md", "docs/deploy.md")) {
            List<String[]> ex = examples(file);
            assertThat(ex).as("console-producer examples in %s", file).isNotEmpty();
            for (String[] e : ex) {
                RunRequested r =
                        EventCodec.decode(e[1].getBytes(java.nio.charset.StandardCharsets.UTF_8), RunRequested.class);
                assertThat(r.runId()).as("record key is the run id (%s)", file).isEqualTo(e[0]);
                assertThat(r.seeds()).isEqualTo(RunRequested.DEFAULT_SEEDS);
            }
        }
    }

    /** deploy/compose-smoke.sh runs docs/deploy.md's compose example itself: the block after "# compose; " up to a blank line. */
    @Test
    void theComposeSmokeRunsTheDocumentedComposeExample() {
        String doc = Repo.read("docs/deploy.md");
        int marker = doc.indexOf("\n# compose; ");
        assertThat(marker).as("docs/deploy.md's compose example").isPositive();
        int start = doc.indexOf('\n', marker + 1) + 1;
        String block = doc.substring(start, doc.indexOf("\n\n", start));
        assertThat(block)
                .startsWith("echo 'run-001|")
                .contains(
                        "docker compose exec -T kafka /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server kafka:19092")
                .contains("--topic territory.runs.requested --property parse.key=true --property key.separator='|'");
        assertThat(examples("docs/deploy.md")).anyMatch(e -> e[0].equals("run-001"));
        assertThat(Repo.read("deploy/compose-smoke.sh"))
                .contains("awk '/^# compose; /{on=1; next} on && /^$/{exit} on' docs/deploy.md")
                .contains("${trigger//run-001/$run_id}");
    }
}
