package dev.territory.deploycheck;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** docs/metrics.md read as data: the first column of its tables is a metric name in backticks. */
final class MetricsDoc {
    private static final Pattern ROW =
            Pattern.compile("^\\| `([a-z_:]+)` \\| ([^|\n]+) \\|(?:[^|\n]*\\|){2} ([^|\n]+) \\|", Pattern.MULTILINE);
    private static final Pattern ANY_ROW = Pattern.compile("^\\| `([a-z_:]+)` \\|", Pattern.MULTILINE);

    private MetricsDoc() {}

    static Set<String> names() {
        Set<String> out = new TreeSet<>();
        Matcher m = ANY_ROW.matcher(Repo.read("docs/metrics.md"));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static Set<String> histograms() {
        Set<String> out = new TreeSet<>();
        Matcher m = ROW.matcher(Repo.read("docs/metrics.md"));
        while (m.find()) {
            if (m.group(2).contains("histogram")) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** Territory metric name -> the services that expose it (inference, metrics, report, or all three). */
    static Map<String, Set<String>> services() {
        Map<String, Set<String>> out = new TreeMap<>();
        Matcher m = ROW.matcher(Repo.read("docs/metrics.md"));
        while (m.find()) {
            String s = m.group(3).trim();
            Set<String> set = out.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            if (s.equals("all three")) {
                set.addAll(ManifestTest.SERVICES);
            } else {
                set.add(s + "-service");
            }
        }
        return out;
    }
}
