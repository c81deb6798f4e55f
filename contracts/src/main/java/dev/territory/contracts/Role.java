package dev.territory.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Which model of the pair: the base model or its instruction-tuned (RLHF) variant. */
public enum Role {
    BASE("base"),
    INSTRUCT("instruct");

    private final String id;

    Role(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static Role fromId(String id) {
        for (Role r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + id + "' (known: base, instruct)");
    }
}
