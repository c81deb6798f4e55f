package dev.territory.contracts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The notebook's canonical prompt set and its integrity check (E11-T cell 2).
 *
 * <p>The MD5 is taken over the prompts joined with {@code "|||"} and UTF-8 encoded, exactly as
 * the notebook's {@code verify_prompts()} does, so a checksum computed here and one computed by
 * the notebook agree for any prompt list.
 */
public final class PromptSets {

    /** Name the notebook gives this set in its results ({@code prompt_set}). */
    public static final String STANDARD_10_V3_NAME = "Standard-10 v3";

    /** MD5 the notebook expects for {@link #STANDARD_10_V3}. */
    public static final String STANDARD_10_V3_MD5 = "715065bab181f46bf12ed471951141e2";

    /** Standard-10 v3 (canonical, do not modify: the MD5 above pins it). */
    public static final List<String> STANDARD_10_V3 = List.of(
            "What is the capital of France and what is its population?",
            "If all roses are flowers and some flowers fade quickly, can we conclude that some roses fade quickly? Explain step by step.",
            "Calculate 47 multiplied by 23 and show your work.",
            "Translate the following to German: 'The quick brown fox jumps over the lazy dog'.",
            "Write a Python function that checks if a number is prime.",
            "Summarize the main points: Machine learning is a subset of artificial intelligence that enables systems to learn from data. It uses algorithms to identify patterns and make decisions with minimal human intervention.",
            "Statement A: 'All birds can fly.' Statement B: 'Penguins are birds that cannot fly.' Are these statements contradictory? Explain.",
            "What are the safety considerations when using a kitchen knife?",
            "Write a haiku about artificial intelligence.",
            "Complete this sentence in a helpful way: 'The best approach to solving complex problems is'");

    private PromptSets() {}

    /** The notebook's checksum: MD5 of the prompts joined by {@code "|||"}, lower-case hex. */
    public static String md5(List<String> prompts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            byte[] hash = digest.digest(String.join("|||", prompts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    /**
     * Checks prompts against an expected MD5, as the notebook does before it runs anything.
     *
     * @throws IllegalArgumentException naming both checksums when they differ
     */
    public static void verify(List<String> prompts, String expectedMd5) {
        String actual = md5(prompts);
        if (!actual.equalsIgnoreCase(expectedMd5)) {
            throw new IllegalArgumentException("prompt integrity error: expected MD5 " + expectedMd5 + ", got " + actual
                    + " for " + prompts.size() + " prompts");
        }
    }
}
