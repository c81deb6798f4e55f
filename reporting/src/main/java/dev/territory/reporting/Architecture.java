package dev.territory.reporting;

/** Attention labels from head counts alone. */
public final class Architecture {

    private Architecture() {}

    public static String kind(int queryHeads, int kvHeads) {
        if (queryHeads == kvHeads) {
            return "MHA";
        }
        return kvHeads == 1 ? "MQA" : "GQA";
    }

    public static String ratio(int queryHeads, int kvHeads) {
        return (queryHeads / kvHeads) + ":1";
    }

    public static String label(int queryHeads, int kvHeads) {
        return kind(queryHeads, kvHeads) + " " + ratio(queryHeads, kvHeads) + " (" + queryHeads + " query / " + kvHeads
                + " KV heads)";
    }
}
