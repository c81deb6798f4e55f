package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a model comes from: a local directory ({@code path}) now; a Hugging Face Hub id plus
 * revision once the download service exists (then {@code path} is null).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelRef(String path, String hubId, String revision) {

    public ModelRef {
        if ((path == null || path.isBlank()) && (hubId == null || hubId.isBlank())) {
            throw new IllegalArgumentException("model reference needs a 'path' (or a 'hubId')");
        }
    }

    public static ModelRef local(String path) {
        return new ModelRef(path, null, null);
    }

    /** Human-readable: the path, or {@code hubId@revision}. */
    public String describe() {
        return path != null ? path : hubId + (revision != null ? "@" + revision : "");
    }
}
