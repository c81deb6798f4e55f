package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a model comes from: a local directory ({@code path}), or a Hugging Face Hub id
 * ({@code hubId}, {@code org/name}) with an optional {@code revision} (branch, tag or commit;
 * {@code main} when absent), which the inference service downloads into its Hub cache.
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

    public static ModelRef hub(String hubId, String revision) {
        return new ModelRef(null, hubId, revision);
    }

    /** Human-readable: the path, or {@code hubId@revision}. */
    public String describe() {
        return path != null ? path : hubId + (revision != null ? "@" + revision : "");
    }
}
