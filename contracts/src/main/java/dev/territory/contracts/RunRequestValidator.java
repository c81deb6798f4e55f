package dev.territory.contracts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@link RunRequested} before any model is loaded. Limits that need the model (a
 * {@code maxLength} above its context window) are checked by the inference service after loading.
 */
public final class RunRequestValidator {

    /** Run ids name directories and URL segments: letters, digits, '.', '_', '-', at most 64, not starting with '.'. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");

    public static final Set<String> KNOWN_DTYPES = Set.of("bfloat16", "float32", "float16");
    public static final Set<String> KNOWN_PROTOCOLS = Set.of("e11-v3", "masked", "attendable");

    /** Upper bound before the model is known (the notebook's attention store would need terabytes beyond it). */
    public static final int MAX_LENGTH_LIMIT = 32768;

    private RunRequestValidator() {}

    /** @throws InvalidRunRequestException listing every problem */
    public static RunRequested validate(RunRequested request) {
        List<String> problems = problems(request);
        if (!problems.isEmpty()) {
            throw new InvalidRunRequestException(request.runId(), problems);
        }
        return request;
    }

    public static List<String> problems(RunRequested r) {
        List<String> problems = new ArrayList<>();
        if (!RUN_ID.matcher(r.runId()).matches()) {
            problems.add("runId '" + r.runId() + "' must match " + RUN_ID.pattern());
        }
        for (Role role : Role.values()) {
            checkModel(role, r.model(role), problems);
        }
        if (r.seeds().isEmpty()) {
            problems.add("seeds must not be empty");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer seed : r.seeds()) {
            if (seed == null) {
                problems.add("seeds must not contain null");
            } else if (!seen.add(seed)) {
                problems.add("seed " + seed + " is listed twice");
            }
        }
        if (r.maxLength() <= 0) {
            problems.add("maxLength must be > 0, got " + r.maxLength());
        } else if (r.maxLength() > MAX_LENGTH_LIMIT) {
            problems.add("maxLength " + r.maxLength() + " is above the limit " + MAX_LENGTH_LIMIT);
        }
        if (!KNOWN_DTYPES.contains(r.dtype())) {
            problems.add("unknown dtype '" + r.dtype() + "' (known: "
                    + String.join(", ", KNOWN_DTYPES.stream().sorted().toList()) + ")");
        }
        if (!KNOWN_PROTOCOLS.contains(r.protocol())) {
            problems.add("unknown protocol '" + r.protocol() + "' (known: "
                    + String.join(", ", KNOWN_PROTOCOLS.stream().sorted().toList()) + ")");
        }
        checkPrompts(r.prompts(), problems);
        if (!RunRequested.E11_MISTRAL_REFERENCE.equals(r.reference())) {
            if (!RUN_ID.matcher(r.reference()).matches()) {
                problems.add("reference '" + r.reference() + "' is neither " + RunRequested.E11_MISTRAL_REFERENCE
                        + " nor a run id");
            } else if (r.reference().equals(r.runId())) {
                problems.add("reference must be another run, not the run itself");
            }
        }
        return problems;
    }

    /**
     * A model is a local {@code path} or a Hub {@code hubId} (with an optional {@code revision}),
     * not both. Hub ids follow the Hub's rules, as the hub module's {@code ModelReference} does
     * (contracts does not depend on hub): two parts of 1 to 96 {@code [A-Za-z0-9_.-]}, no
     * {@code --} or {@code ..}, not starting or ending with {@code -} or {@code .}.
     */
    private static void checkModel(Role role, ModelRef model, List<String> problems) {
        boolean hasPath = model.path() != null && !model.path().isBlank();
        boolean hasHub = model.hubId() != null && !model.hubId().isBlank();
        if (hasPath && hasHub) {
            problems.add(role.id() + ": give either 'path' or 'hubId', not both");
            return;
        }
        if (!hasHub) {
            if (model.revision() != null) {
                problems.add(role.id() + ": 'revision' applies to a 'hubId' only (got path " + model.path() + ")");
            }
            return;
        }
        String id = model.hubId();
        String[] parts = id.split("/", -1);
        if (parts.length != 2) {
            problems.add(role.id() + ": hubId '" + id + "' is not of the form org/name");
        } else {
            for (String part : parts) {
                if (!HUB_ID_PART.matcher(part).matches() || part.contains("--") || part.contains("..")) {
                    problems.add(
                            role.id() + ": '" + part + "' in hubId '" + id + "' must be 1 to 96 characters of letters, "
                                    + "digits, '_', '.', '-', without '--' or '..', not starting or ending with '-' or '.'");
                }
            }
        }
        String rev = model.revision();
        if (rev != null
                && (rev.isEmpty()
                        || !HUB_REVISION.matcher(rev).matches()
                        || rev.contains("..")
                        || rev.startsWith("/")
                        || rev.endsWith("/")
                        || rev.contains("//")
                        || rev.endsWith(".lock"))) {
            problems.add(
                    role.id() + ": revision '" + rev + "' of hubId '" + id + "' is not a valid branch, tag or commit");
        }
    }

    /** One part of a Hub id: the Hub's characters, no leading or trailing '-' or '.'. */
    private static final Pattern HUB_ID_PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?");

    /** A revision: characters git allows in a ref name (no control characters, space, \\ @ ~ ^ : ? * [). */
    private static final Pattern HUB_REVISION = Pattern.compile("[^\\x00-\\x20\\x7f\\\\@~^:?*\\[]+");

    private static void checkPrompts(PromptSpec spec, List<String> problems) {
        List<String> prompts;
        try {
            prompts = spec.resolve();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return;
        }
        if (prompts.isEmpty()) {
            problems.add("prompts must not be empty");
            return;
        }
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i) == null || prompts.get(i).isEmpty()) {
                problems.add("prompt " + i + " is empty");
            }
        }
        if (spec.md5() == null) {
            if (!spec.builtIn()) {
                problems.add("inline prompts need their expected md5");
            }
            return;
        }
        String actual = PromptSets.md5(prompts);
        if (!actual.equalsIgnoreCase(spec.md5())) {
            problems.add("prompt integrity error: expected MD5 " + spec.md5() + ", got " + actual + " for "
                    + prompts.size() + " prompts");
        }
    }
}
