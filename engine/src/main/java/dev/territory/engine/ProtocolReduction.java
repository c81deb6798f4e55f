package dev.territory.engine;

/**
 * One prompt's heads reduced under one protocol, as computed beside the request's own protocol from the
 * same forward pass ({@link EntropyRequest#compareProtocols()}).
 *
 * @param protocol the protocol
 * @param entropies normalized entropy per [layer][head]
 * @param normalizers per [layer][head] the count whose log2 divides the entropy: the non-zero mean
 *     weights for e11-v3 and masked, the keys the real query rows could attend to for attendable
 */
public record ProtocolReduction(Protocol protocol, float[][] entropies, int[][] normalizers) {}
