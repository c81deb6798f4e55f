package dev.territory.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.territory.engine.ModelException;
import java.util.List;

/**
 * Rotary embedding parameters, read from {@code rope_parameters} (transformers 5 keys) or from
 * {@code rope_theta} + {@code rope_scaling} (classic keys).
 *
 * @param type "default" or "llama3"
 * @param theta base of the frequencies
 * @param factor llama3: {@code factor}
 * @param lowFreqFactor llama3: {@code low_freq_factor}
 * @param highFreqFactor llama3: {@code high_freq_factor}
 * @param originalMaxPositions llama3: {@code original_max_position_embeddings}
 */
public record RopeConfig(
        String type,
        double theta,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        double originalMaxPositions) {

    public static final List<String> SUPPORTED_TYPES = List.of("default", "llama3");

    static RopeConfig parse(JsonNode root, String where) throws ModelException {
        JsonNode params = root.get("rope_parameters");
        JsonNode scaling;
        double theta;
        if (params != null && params.isObject()) {
            scaling = params;
            theta = number(params, "rope_theta", root.path("rope_theta").asDouble(10000.0), where + " rope_parameters");
        } else {
            scaling = root.get("rope_scaling");
            theta = number(root, "rope_theta", 10000.0, where);
        }
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new ModelException(where + ": rope_theta must be positive, got " + theta);
        }
        if (scaling == null || scaling.isNull()) {
            return new RopeConfig("default", theta, 1, 0, 0, 0);
        }
        if (!scaling.isObject()) {
            throw new ModelException(where + ": rope_scaling must be an object, got " + scaling);
        }
        String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
        String key = scaling == params ? "rope_parameters" : "rope_scaling";
        if (type.equals("default")) {
            return new RopeConfig("default", theta, 1, 0, 0, 0);
        }
        if (!type.equals("llama3")) {
            throw new ModelException(where + ": rope type '" + type + "' (" + key + ") is not supported (supported: "
                    + String.join(", ", SUPPORTED_TYPES) + ")");
        }
        String w = where + " " + key;
        double factor = number(scaling, "factor", null, w);
        double low = number(scaling, "low_freq_factor", null, w);
        double high = number(scaling, "high_freq_factor", null, w);
        double original = number(scaling, "original_max_position_embeddings", null, w);
        if (!(high > low)) {
            throw new ModelException(w + ": high_freq_factor " + high + " must exceed low_freq_factor " + low);
        }
        return new RopeConfig("llama3", theta, factor, low, high, original);
    }

    private static double number(JsonNode obj, String key, Double dflt, String where) throws ModelException {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new ModelException(where + ": " + key + " is missing");
            }
            return dflt;
        }
        if (!n.isNumber()) {
            throw new ModelException(where + ": " + key + " must be a number, got " + n);
        }
        return n.asDouble();
    }
}
