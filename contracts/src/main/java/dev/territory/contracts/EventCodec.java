package dev.territory.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * JSON for every event, strictly read: the {@code type} must be known, {@code schemaVersion} must
 * be {@link TerritoryEvent#SCHEMA_VERSION}, unknown fields are refused, every number field must be
 * present, and the records' own checks run. Every failure is an {@link EventFormatException}
 * whose message names the event type and the field.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // metrics events carry thousands of doubles: Schubfach / fast_double_parser, same values
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private static final Map<String, Class<? extends TerritoryEvent>> TYPES = Map.ofEntries(
            Map.entry("ModelLoaded", ModelLoaded.class),
            Map.entry("RunRequested", RunRequested.class),
            Map.entry("ModelJobRequested", ModelJobRequested.class),
            Map.entry("EntropyVectorComputed", EntropyVectorComputed.class),
            Map.entry("RunProgress", RunProgress.class),
            Map.entry("SeedMetricsComputed", SeedMetricsComputed.class),
            Map.entry("RoleMetricsComputed", RoleMetricsComputed.class),
            Map.entry("RunStatisticsComputed", RunStatisticsComputed.class),
            Map.entry("RunCompleted", RunCompleted.class),
            Map.entry("RunFailed", RunFailed.class));

    private EventCodec() {}

    /** The mapper the codec uses (Java time as ISO-8601 strings); shared so that callers write the same JSON. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(TerritoryEvent event) {
        try {
            return MAPPER.writerFor(TerritoryEvent.class).writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write " + event.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static String encodeToString(TerritoryEvent event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    public static TerritoryEvent decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    public static <T extends TerritoryEvent> T decode(byte[] json, Class<T> expected) {
        TerritoryEvent event = decode(json);
        if (!expected.isInstance(event)) {
            throw new EventFormatException("expected a " + expected.getSimpleName() + ", got a "
                    + event.getClass().getSimpleName());
        }
        return expected.cast(event);
    }

    public static TerritoryEvent decode(byte[] json) {
        if (json == null) {
            throw new EventFormatException("empty message (null payload)");
        }
        Class<? extends TerritoryEvent> plain = plainWellFormed(json);
        if (plain != null) {
            String type = plain.getSimpleName();
            return bind(type, () -> MAPPER.readValue(json, TerritoryEvent.class));
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new EventFormatException(
                    "not JSON: "
                            + firstLine(
                                    e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
                    e);
        }
        if (tree == null || !tree.isObject()) {
            throw new EventFormatException("not a JSON object");
        }
        JsonNode typeNode = tree.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new EventFormatException("missing field 'type' (one of " + TYPES.keySet() + ")");
        }
        String type = typeNode.asText();
        Class<? extends TerritoryEvent> cls = TYPES.get(type);
        if (cls == null) {
            throw new EventFormatException("unknown event type '" + type + "' (known: " + TYPES.keySet() + ")");
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null) {
            throw new EventFormatException(type + ": missing field 'schemaVersion'");
        }
        if (!version.canConvertToExactIntegral() || version.asInt() != TerritoryEvent.SCHEMA_VERSION) {
            throw new EventFormatException(type + ": unsupported schemaVersion " + version + " (this build reads "
                    + TerritoryEvent.SCHEMA_VERSION + ")");
        }
        requirePrimitives(type, cls, tree);
        return bind(type, () -> MAPPER.treeToValue(tree, TerritoryEvent.class));
    }

    private interface Binding {
        TerritoryEvent bind() throws IOException;
    }

    /** Runs Jackson's binding, turning its failures into messages that name the type and the field. */
    private static TerritoryEvent bind(String type, Binding binding) {
        try {
            return binding.bind();
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new EventFormatException(cause.getMessage(), e);
        } catch (UnrecognizedPropertyException e) {
            throw new EventFormatException(type + ": unknown field '" + e.getPropertyName() + "'", e);
        } catch (JsonProcessingException e) {
            String path =
                    e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? m.getPathReference() : "";
            throw new EventFormatException(type + ": " + firstLine(e.getOriginalMessage()) + " at " + path, e);
        } catch (IllegalArgumentException e) {
            throw new EventFormatException(type + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new EventFormatException("not JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * The fast path's gate, one streaming pass over the top level with nested values skipped (a
     * vector's 5 KB of base64 is scanned, not decoded, and no tree is built): the event class when
     * the message is an object of a known {@code type} without nested records, {@code schemaVersion}
     * is the integer this build reads, and every primitive field is present; then Jackson binds it
     * directly. Null for anything else, which the tree path reads and names the problem of.
     */
    private static Class<? extends TerritoryEvent> plainWellFormed(byte[] json) {
        try (com.fasterxml.jackson.core.JsonParser parser = MAPPER.getFactory().createParser(json)) {
            if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            String type = null;
            boolean versionRead = false;
            java.util.Set<String> present = new java.util.HashSet<>();
            com.fasterxml.jackson.core.JsonToken field;
            while ((field = parser.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
                if (!present.add(name)) {
                    return null; // a repeated field: the tree path decides
                }
                if (value == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                    present.remove(name);
                } else if (name.equals("type")) {
                    if (value != com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                        return null;
                    }
                    type = parser.getText();
                } else if (name.equals("schemaVersion")) {
                    if (value != com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                            || parser.getNumberType() != com.fasterxml.jackson.core.JsonParser.NumberType.INT
                            || parser.getIntValue() != TerritoryEvent.SCHEMA_VERSION) {
                        return null;
                    }
                    versionRead = true;
                }
                parser.skipChildren();
            }
            Class<? extends TerritoryEvent> cls = type == null ? null : TYPES.get(type);
            if (field != com.fasterxml.jackson.core.JsonToken.END_OBJECT || cls == null || !versionRead) {
                return null;
            }
            for (RecordComponent component : cls.getRecordComponents()) {
                if (component.getType().isRecord()
                        || component.getType().isPrimitive() && !present.contains(component.getName())) {
                    return null;
                }
            }
            return cls;
        } catch (IOException e) {
            return null; // not JSON: the tree path says where
        }
    }

    /**
     * The {@code type} of a message without reading the rest: the top-level fields are streamed and
     * nested values skipped unparsed, so a consumer can pass over events it does not handle (a
     * RoleMetricsComputed holds thousands of numbers) cheaply. Empty when there is no textual
     * top-level {@code type}; malformed JSON before it throws {@link EventFormatException}.
     */
    public static Optional<String> typeOf(byte[] json) {
        if (json == null) {
            return Optional.empty();
        }
        try (com.fasterxml.jackson.core.JsonParser parser = MAPPER.getFactory().createParser(json)) {
            if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
                if ("type".equals(field)) {
                    return value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING
                            ? Optional.of(parser.getText())
                            : Optional.empty();
                }
                parser.skipChildren();
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new EventFormatException("not JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /** Best effort: the {@code runId} of a message that may not decode, so a failure can still name its run. */
    public static Optional<String> runIdOf(byte[] json) {
        try {
            JsonNode runId = MAPPER.readTree(json).get("runId");
            return runId != null && runId.isTextual() && !runId.asText().isBlank()
                    ? Optional.of(runId.asText())
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Jackson gives absent int fields the value 0; a missing number must be an error, not a zero. */
    private static void requirePrimitives(String type, Class<?> cls, JsonNode tree) {
        if (!cls.isRecord() || !tree.isObject()) {
            return;
        }
        for (RecordComponent component : cls.getRecordComponents()) {
            JsonNode value = tree.get(component.getName());
            if (component.getType().isPrimitive() && (value == null || value.isNull())) {
                throw new EventFormatException(type + ": missing field '" + component.getName() + "'");
            }
            if (value != null && component.getType().isRecord()) {
                requirePrimitives(type + "." + component.getName(), component.getType(), value);
            }
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse(s);
    }
}
