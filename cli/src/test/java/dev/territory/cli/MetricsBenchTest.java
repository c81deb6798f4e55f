package dev.territory.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code bench --metrics-vectors}: its reading of the service's counter, and one small run against the packaged service. */
class MetricsBenchTest {

    @Test
    void readsTheAcceptedVectorsCounterFromThePrometheusText() {
        String exposition = """
                # HELP territory_vectors_consumed_total Entropy vectors consumed
                # TYPE territory_vectors_consumed_total counter
                territory_vectors_consumed_total{outcome="duplicate"} 3.0
                territory_vectors_consumed_total{outcome="new"} 12345.0
                territory_vectors_consumed_total{outcome="rejected"} 0.0
                """;
        assertThat(MetricsBench.counter(exposition)).isEqualTo(12345);
        assertThat(MetricsBench.counter("territory_other_total 5.0\n")).isZero();
    }

    @Test
    void everyProducedVectorIsConsumedByThePackagedService() throws Exception {
        UpCommand.quietKafkaClients();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        // whole runs of 2 models x 3 seeds x 20 prompts = 120 vectors: 2,000 asked for becomes 17 runs, 2,040 vectors
        MetricsBench.Result r = MetricsBench.run(
                PipelineChainTest.repo(), 2000, 20, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(r.runs()).isEqualTo(17);
        assertThat(r.vectors()).isEqualTo(2040);
        assertThat(r.counted()).isEqualTo(2040); // the service's own counter: every vector counted once
        assertThat(r.vectorsPerS()).isPositive();
        assertThat(r.startupS()).isPositive();
        assertThat(r.totalS()).isGreaterThanOrEqualTo(r.consumeS());
    }
}
