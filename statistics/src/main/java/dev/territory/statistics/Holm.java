package dev.territory.statistics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Holm's step-down adjustment (Holm 1979) of a family of p-values, as R's {@code p.adjust(p, "holm")}:
 * sorted ascending, {@code p_(k)} becomes {@code max over j <= k of min(1, (m - j + 1) p_(j))}. NaN
 * p-values stay NaN and do not count in m.
 */
public final class Holm {

    private Holm() {}

    /** The adjusted p-values, keyed and ordered as the input. */
    public static Map<String, Double> adjust(Map<String, Double> pValues) {
        List<Map.Entry<String, Double>> finite = new ArrayList<>();
        for (Map.Entry<String, Double> e : pValues.entrySet()) {
            if (e.getValue() != null && !Double.isNaN(e.getValue())) {
                finite.add(e);
            }
        }
        finite.sort(Map.Entry.comparingByValue());
        int m = finite.size();
        Map<String, Double> adjusted = new LinkedHashMap<>();
        double running = 0;
        for (int j = 0; j < m; j++) {
            running = Math.max(running, Math.min(1.0, (m - j) * finite.get(j).getValue()));
            adjusted.put(finite.get(j).getKey(), running);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        pValues.forEach((k, v) -> out.put(k, adjusted.getOrDefault(k, Double.NaN)));
        return out;
    }
}
