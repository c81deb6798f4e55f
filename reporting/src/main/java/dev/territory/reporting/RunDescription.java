package dev.territory.reporting;

import dev.territory.contracts.ModelInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a report says about a run that is not a metric.
 *
 * @param runId identifier of the run (directory name or pipeline run id)
 * @param startedAt when the run started (the notebook's timestamp)
 * @param pair name of the model pair (the notebook's {@code results.pair}), e.g. "llama3-gqa"
 * @param base the base model
 * @param instruct the fine-tuned model
 * @param methodology how entropies were computed
 * @param engineVersion version of the entropy engine's arithmetic
 * @param libraryVersions name -> version of the libraries that computed the numbers (DJL, PyTorch, Java...)
 * @param runtime free-form runtime facts (device, cpu count, wall seconds ...)
 */
public record RunDescription(
        String runId,
        Instant startedAt,
        String pair,
        ModelInfo base,
        ModelInfo instruct,
        Methodology methodology,
        String engineVersion,
        Map<String, String> libraryVersions,
        Map<String, Object> runtime) {

    public RunDescription {
        libraryVersions = libraryVersions == null ? Map.of() : Map.copyOf(libraryVersions);
        runtime = runtime == null ? Map.of() : Map.copyOf(runtime);
    }

    /** Role ("base", "instruct") to model, base first. */
    public Map<String, ModelInfo> models() {
        Map<String, ModelInfo> m = new LinkedHashMap<>();
        m.put("base", base);
        m.put("instruct", instruct);
        return m;
    }
}
