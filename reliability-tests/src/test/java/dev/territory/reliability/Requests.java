package dev.territory.reliability;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.PromptSets;
import java.nio.file.Path;
import java.util.List;

/** Run requests as JSON trees, so that tests can break them in every way a sender could. */
final class Requests {
    private Requests() {}

    /** Two short prompts (with their MD5): cheap runs for tests whose point is not the numbers. */
    static final List<String> SHORT_PROMPTS = List.of("The capital of France is", "def add(a, b): return a + b");

    /** A valid request: the default prompt set and seeds unless changed. */
    static ObjectNode request(String runId, Path base, Path instruct) {
        ObjectNode r = EventCodec.mapper().createObjectNode();
        r.put("type", "RunRequested");
        r.put("eventId", "e-" + runId);
        r.put("schemaVersion", 1);
        r.put("occurredAt", "2026-01-01T00:00:00Z");
        r.put("runId", runId);
        r.putObject("base").put("path", base.toString());
        r.putObject("instruct").put("path", instruct.toString());
        return r;
    }

    /** A valid request of one seed, two prompts and 16 tokens. */
    static ObjectNode cheap(String runId, Path base, Path instruct) {
        ObjectNode r = request(runId, base, instruct);
        r.putArray("seeds").add(42);
        r.put("maxLength", 16);
        ObjectNode prompts = r.putObject("prompts");
        prompts.put("name", "two-prompts");
        ArrayNode list = prompts.putArray("prompts");
        SHORT_PROMPTS.forEach(list::add);
        prompts.put("md5", PromptSets.md5(SHORT_PROMPTS));
        return r;
    }

    static byte[] bytes(ObjectNode r) {
        try {
            return EventCodec.mapper().writeValueAsBytes(r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
