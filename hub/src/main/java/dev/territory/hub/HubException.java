package dev.territory.hub;

/**
 * A model could not be resolved. The message says which repository, revision or file, what went
 * wrong and, where there is one, what to do; it never contains the token.
 */
public class HubException extends RuntimeException {

    /** What went wrong, for callers that react differently (e.g. a service's error code). */
    public enum Reason {
        /** 401: private or gated repository, and no token or a rejected one. */
        UNAUTHORIZED,
        /** 403 on a gated repository: the token's account has not been granted access. */
        GATED,
        /** 403 for another reason (e.g. a token without read permission). */
        FORBIDDEN,
        /** 404: no such repository (or not visible to this token). */
        REPO_NOT_FOUND,
        /** 404: the repository exists, the branch, tag or commit does not. */
        REVISION_NOT_FOUND,
        /** 404: the revision lacks a file the engine needs. */
        FILE_NOT_FOUND,
        /** Downloaded bytes do not match the Hub's sha256 or size. */
        INTEGRITY,
        /** Offline mode, and the model is not (completely) in the cache. */
        NOT_CACHED,
        /** The repository does not hold what the engine needs (e.g. no safetensors). */
        UNSUPPORTED_REPO,
        /** Network failure or server error that retries did not cure. */
        NETWORK,
        /** The cache could not be read or written. */
        CACHE_IO
    }

    private final Reason reason;
    private final int status;

    public HubException(Reason reason, String message) {
        this(reason, 0, message, null);
    }

    public HubException(Reason reason, int status, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status behind the failure, 0 if none. */
    public int status() {
        return status;
    }
}
