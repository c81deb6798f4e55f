package dev.territory.contracts;

/**
 * How a run names its base/instruct pair (the notebook's {@code results.pair}), from the two models'
 * names (a Hub id {@code org/name} or a directory's name): the common prefix of the names without
 * their organisation, "llama3-gqa" for llama3-gqa-base / llama3-gqa-instruct; else "a_vs_b".
 */
public final class PairName {

    private PairName() {}

    public static String of(String baseName, String instructName) {
        String a = withoutOrganisation(baseName);
        String b = withoutOrganisation(instructName);
        int n = 0;
        while (n < Math.min(a.length(), b.length()) && a.charAt(n) == b.charAt(n)) {
            n++;
        }
        String common = a.substring(0, n).replaceAll("[-_.]+$", "");
        return common.length() >= 3 ? common : a + "_vs_" + b;
    }

    private static String withoutOrganisation(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }
}
