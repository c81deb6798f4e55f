package dev.territory.reporting;

import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelShape;

/** Attention labels from head counts alone. */
public final class Architecture {

    private Architecture() {}

    public static String kind(int queryHeads, int kvHeads) {
        return ModelShape.attentionKind(queryHeads, kvHeads);
    }

    public static String ratio(int queryHeads, int kvHeads) {
        return (queryHeads / kvHeads) + ":1";
    }

    /** "GQA 4:1 (32 query / 8 KV heads)". */
    public static String label(ModelInfo m) {
        return label(m.numHeads(), m.numKvHeads());
    }

    public static String label(int queryHeads, int kvHeads) {
        return kind(queryHeads, kvHeads) + " " + ratio(queryHeads, kvHeads) + " (" + queryHeads + " query / " + kvHeads
                + " KV heads)";
    }
}
