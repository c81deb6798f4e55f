package dev.territory.statistics;

import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.ModelShape;
import dev.territory.contracts.SeedMetricsComputed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One prompt's heads for one model and seed, as the run's statistics resample and compare them.
 *
 * @param role "base" or "instruct"
 * @param seed the seed of the pass
 * @param promptIndex index of the prompt
 * @param entropies [layer][head] normalized entropies under the run's protocol
 * @param sinkMass [layer][head] mean attention weight on the first token (null when unknown)
 * @param rowEntropy [layer][head] mean over real query rows of each row's entropy in bits, Clark et al. 2019
 *     (null when unknown)
 * @param protocols by protocol id: the same heads reduced under each protocol from the same pass (empty when
 *     none were computed)
 * @param tokenCount real (non-padding) tokens of the prompt (null when unknown)
 */
public record PromptReductions(
        String role,
        int seed,
        int promptIndex,
        double[][] entropies,
        double[][] sinkMass,
        double[][] rowEntropy,
        Map<String, ProtocolValues> protocols,
        Integer tokenCount) {

    /**
     * One protocol's reduction of the prompt's heads.
     *
     * @param entropies normalized entropy per [layer][head]
     * @param normalizers per [layer][head] the count whose log2 divided it (non-zero mean weights for e11-v3 and
     *     masked, attendable keys for attendable)
     */
    public record ProtocolValues(double[][] entropies, int[][] normalizers) {}

    public PromptReductions {
        protocols = protocols == null ? Map.of() : Map.copyOf(protocols);
    }

    /**
     * The prompts a seed's metrics event carries (its first seed's), float32 widened to double, with the other
     * protocols' reductions, sink mass and row entropy when the prompt carries them.
     */
    public static List<PromptReductions> of(SeedMetricsComputed event) {
        ModelShape shape = event.shape();
        List<PromptReductions> out = new ArrayList<>();
        for (SeedMetricsComputed.Prompt p : event.prompts()) {
            Map<String, ProtocolValues> protocols = new LinkedHashMap<>();
            for (String protocol : EntropyVectorComputed.PROTOCOLS) {
                float[][] e = p.reduction(EntropyVectorComputed.entropiesKey(protocol), shape);
                float[][] n = p.reduction(EntropyVectorComputed.normalizersKey(protocol), shape);
                if (e != null && n != null) {
                    protocols.put(protocol, new ProtocolValues(doubles(e), counts(n)));
                }
            }
            out.add(new PromptReductions(
                    event.role().id(),
                    event.seed(),
                    p.promptIndex(),
                    doubles(p.entropyMatrix(shape)),
                    doubles(p.reduction(EntropyVectorComputed.SINK_MASS, shape)),
                    doubles(p.reduction(EntropyVectorComputed.ROW_ENTROPY, shape)),
                    protocols,
                    p.tokenCount()));
        }
        return out;
    }

    /** A float32 matrix widened to double; null stays null. */
    public static double[][] doubles(float[][] f) {
        if (f == null) {
            return null;
        }
        double[][] d = new double[f.length][];
        for (int l = 0; l < f.length; l++) {
            d[l] = new double[f[l].length];
            for (int h = 0; h < f[l].length; h++) {
                d[l][h] = f[l][h];
            }
        }
        return d;
    }

    /** A normalizer matrix: counts carried as float32. */
    private static int[][] counts(float[][] f) {
        int[][] out = new int[f.length][];
        for (int l = 0; l < f.length; l++) {
            out[l] = new int[f[l].length];
            for (int h = 0; h < f[l].length; h++) {
                out[l][h] = Math.round(f[l][h]);
            }
        }
        return out;
    }
}
