package dev.territory.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compares a run's results.json with a stored one, apart from the fields that differ between any two runs: the
 * run's id and start time ({@code run_id}, {@code timestamp}, {@code started_at}) and where the models were read
 * from ({@code config.base}, {@code config.instruct}, the same under {@code results.config}, and
 * {@code provenance.models.<role>.source}: absolute paths of the checkout), and the key order of {@code runtime}
 * (report-service builds it from a {@code Map.of}, whose iteration order changes from one JVM to the next; its
 * keys and values are compared). Everything else must match: strings, booleans, key order and array lengths
 * exactly, numbers to {@link #TOLERANCE} (absolute).
 */
final class GoldenResults {

    /** The stored pipeline run of the GQA fixture pair (float32, seeds 42, 123, 456), made before the statistics moved. */
    static final String PIPELINE_GOLDEN = "/golden/pipeline-llama3-gqa.float32.results.json";

    static final List<String> VOLATILE = List.of(
            "/run_id",
            "/timestamp",
            "/started_at",
            "/config/base",
            "/config/instruct",
            "/results/config/base",
            "/results/config/instruct",
            "/provenance/models/base/source",
            "/provenance/models/instruct/source");
    static final List<String> UNORDERED = List.of("/runtime");
    static final double TOLERANCE = 1e-12;

    private GoldenResults() {}

    /** The differences, one line each; empty when none. */
    static List<String> differences(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare("", strip(expected), strip(actual), out, new double[1]);
        return out;
    }

    /** The largest absolute difference between two numbers at the same place. */
    static double largestNumberDifference(JsonNode expected, JsonNode actual) {
        double[] worst = {0};
        compare("", strip(expected), strip(actual), new ArrayList<>(), worst);
        return worst[0];
    }

    private static JsonNode strip(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        for (String pointer : VOLATILE) {
            int slash = pointer.lastIndexOf('/');
            JsonNode parent = copy.at(pointer.substring(0, slash));
            if (parent instanceof ObjectNode o) {
                o.put(pointer.substring(slash + 1), "(volatile)");
            }
        }
        return copy;
    }

    private static void compare(String path, JsonNode e, JsonNode a, List<String> out, double[] worst) {
        if (e.isNumber() && a.isNumber()) {
            double d = Math.abs(e.asDouble() - a.asDouble());
            worst[0] = Math.max(worst[0], d);
            if (!(d <= TOLERANCE)) {
                out.add(path + ": " + e + " != " + a);
            }
            return;
        }
        if (e.getNodeType() != a.getNodeType()) {
            out.add(path + ": " + e.getNodeType() + " " + abbreviate(e) + " != " + a.getNodeType() + " "
                    + abbreviate(a));
            return;
        }
        if (e.isObject()) {
            List<String> ek = new ArrayList<>();
            e.fieldNames().forEachRemaining(ek::add);
            List<String> ak = new ArrayList<>();
            a.fieldNames().forEachRemaining(ak::add);
            if (UNORDERED.contains(path)) {
                ek.sort(null);
                ak.sort(null);
            }
            if (!ek.equals(ak)) {
                out.add(path + ": keys " + ek + " != " + ak);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (a.has(f.getKey())) {
                    compare(path + "/" + f.getKey(), f.getValue(), a.get(f.getKey()), out, worst);
                }
            }
        } else if (e.isArray()) {
            if (e.size() != a.size()) {
                out.add(path + ": " + e.size() + " elements != " + a.size());
                return;
            }
            for (int i = 0; i < e.size(); i++) {
                compare(path + "/" + i, e.get(i), a.get(i), out, worst);
            }
        } else if (!e.equals(a)) {
            out.add(path + ": " + abbreviate(e) + " != " + abbreviate(a));
        }
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
