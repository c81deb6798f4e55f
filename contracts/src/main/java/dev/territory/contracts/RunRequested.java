package dev.territory.contracts;

import java.time.Instant;
import java.util.List;

/**
 * The trigger of a run (topic {@link Topics#RUNS_REQUESTED}, key = runId). Optional fields take
 * the notebook's defaults when absent; {@link RunRequestValidator} checks the values.
 *
 * @param experiment free-text label recorded in results.json (default {@code E11-T})
 * @param base the base model
 * @param instruct the instruction-tuned model
 * @param prompts prompt set (default: the built-in Standard-10 v3)
 * @param seeds seeds to repeat the measurement with (default 42, 123, 456)
 * @param maxLength tokens per prompt after truncation/padding (default 128)
 * @param dtype compute dtype (default {@code bfloat16}, the notebook's {@code torch_dtype}; {@code float32}
 *     and {@code float16} also known)
 * @param protocol entropy protocol (default {@code e11-v3})
 * @param reference MHA reference: {@link #E11_MISTRAL_REFERENCE} (default) or a completed run's id
 */
public record RunRequested(
        String eventId,
        int schemaVersion,
        Instant occurredAt,
        String runId,
        String experiment,
        ModelRef base,
        ModelRef instruct,
        PromptSpec prompts,
        List<Integer> seeds,
        Integer maxLength,
        String dtype,
        String protocol,
        String reference)
        implements TerritoryEvent {

    public static final String E11_MISTRAL_REFERENCE = "e11-mistral";
    public static final List<Integer> DEFAULT_SEEDS = List.of(42, 123, 456);
    public static final int DEFAULT_MAX_LENGTH = 128;
    public static final String DEFAULT_EXPERIMENT = "E11-T";
    /** The notebook's dtype ({@code torch_dtype=torch.bfloat16}), emulated by the engine. */
    public static final String DEFAULT_DTYPE = "bfloat16";

    public static final String DEFAULT_PROTOCOL = "e11-v3";

    public RunRequested {
        Fields.header("RunRequested", eventId, schemaVersion, occurredAt, runId);
        Fields.required("RunRequested", "base", base);
        Fields.required("RunRequested", "instruct", instruct);
        experiment = experiment == null ? DEFAULT_EXPERIMENT : experiment;
        prompts = prompts == null ? PromptSpec.standard10v3() : prompts;
        seeds = seeds == null ? DEFAULT_SEEDS : List.copyOf(seeds);
        maxLength = maxLength == null ? DEFAULT_MAX_LENGTH : maxLength;
        dtype = dtype == null ? DEFAULT_DTYPE : dtype;
        protocol = protocol == null ? DEFAULT_PROTOCOL : protocol;
        reference = reference == null ? E11_MISTRAL_REFERENCE : reference;
    }

    /** A new request with a fresh event id and the notebook's defaults. */
    public static RunRequested of(String runId, ModelRef base, ModelRef instruct) {
        return new RunRequested(
                Fields.randomId(),
                SCHEMA_VERSION,
                Instant.now(),
                runId,
                null,
                base,
                instruct,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    public RunRequested withSeeds(List<Integer> newSeeds) {
        return new RunRequested(
                eventId,
                schemaVersion,
                occurredAt,
                runId,
                experiment,
                base,
                instruct,
                prompts,
                newSeeds,
                maxLength,
                dtype,
                protocol,
                reference);
    }

    public RunRequested withMaxLength(int newMaxLength) {
        return new RunRequested(
                eventId,
                schemaVersion,
                occurredAt,
                runId,
                experiment,
                base,
                instruct,
                prompts,
                seeds,
                newMaxLength,
                dtype,
                protocol,
                reference);
    }

    public RunRequested withPrompts(PromptSpec newPrompts) {
        return new RunRequested(
                eventId,
                schemaVersion,
                occurredAt,
                runId,
                experiment,
                base,
                instruct,
                newPrompts,
                seeds,
                maxLength,
                dtype,
                protocol,
                reference);
    }

    public RunRequested withReference(String newReference) {
        return new RunRequested(
                eventId,
                schemaVersion,
                occurredAt,
                runId,
                experiment,
                base,
                instruct,
                prompts,
                seeds,
                maxLength,
                dtype,
                protocol,
                newReference);
    }

    public RunRequested withDtype(String newDtype) {
        return new RunRequested(
                eventId,
                schemaVersion,
                occurredAt,
                runId,
                experiment,
                base,
                instruct,
                prompts,
                seeds,
                maxLength,
                newDtype,
                protocol,
                reference);
    }

    public ModelRef model(Role role) {
        return role == Role.BASE ? base : instruct;
    }
}
