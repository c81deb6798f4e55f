package dev.territory.contracts;

import java.util.List;

/** A request that decodes but cannot be run; the message lists every problem found. */
public class InvalidRunRequestException extends IllegalArgumentException {

    public InvalidRunRequestException(String runId, List<String> problems) {
        super("run " + runId + ": invalid request: " + String.join("; ", problems));
    }
}
