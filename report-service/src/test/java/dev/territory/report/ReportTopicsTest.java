package dev.territory.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.territory.contracts.Topics;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The report service only assembles: none of its channels reads the entropy vectors; the metrics topic is read. */
class ReportTopicsTest {

    @Test
    void noChannelConsumesTheEntropyVectors() throws Exception {
        Properties p = new Properties();
        try (InputStream in = ReportTopicsTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        var incomingTopics = p.stringPropertyNames().stream()
                .filter(k -> k.matches("(%[a-z]+\\.)?mp\\.messaging\\.incoming\\.[^.]+\\.topic"))
                .map(p::getProperty)
                .toList();
        assertThat(incomingTopics).contains(Topics.METRICS_COMPUTED).doesNotContain(Topics.ENTROPY_VECTORS);
        assertThat(p.stringPropertyNames()).noneMatch(k -> k.contains("entropies-in") || k.contains("await-vectors"));
    }
}
